/**
 * Spec section 9.1 and 9.2: idle connections (IDLE-1, IDLE-2), slow trickles (IDLE-3), and FAIR-1
 * under a crowd of idle, half-asked, trickling and non-reading connections.
 *
 * The case mostly waits, so the runner runs it in the background, beside the other cases. With I
 * declared, idle connections must live at least I and be closed after it (IDLE-1, IDLE-2). With I
 * undeclared it is judged at the floor of 10 s: nothing closed for idleness before it, a trickle
 * with gaps shorter than it answered, and IDLE-2 not judged (the report says so) unless the run
 * probes the ceiling of 600 s.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { LIMITS } from "@bridgekeeper/spec";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { expectReplies, expectUsable } from "../checks.js";
import type { WireClient } from "../client.js";
import { expectedReplies } from "../model.js";
import { pushUntilStall, QuestionChunker } from "../stream.js";
import { Inconclusive, type NotJudged, Violation } from "../verdicts.js";

/** Connections held open around the judged client: a pool of workers smaller than this fails FAIR-1. */
const CROWD = 64;

/** The moment (ms after `start`) a client was closed by the server, watched from now on. */
function watchClose(client: WireClient, start: number): () => number | null {
  let closedAt: number | null = client.ended ? 0 : null;
  const mark = (): void => {
    if (closedAt === null) closedAt = performance.now() - start;
  };
  client.socket.once("end", mark);
  client.socket.once("error", mark);
  client.socket.once("close", mark);
  return () => closedAt;
}

/** The idle time the case judges at, and whether it judges IDLE-2 there. */
function idleTerms(ctx: CaseContext): { idleMs: number; judgeClose: boolean; declared: boolean } {
  const declared = ctx.limits.idleTimeoutSec !== null;
  const ceiling = !declared && ctx.limits.probe === "ceiling";
  const seconds =
    ctx.limits.idleTimeoutSec ??
    (ceiling ? LIMITS.idleTimeoutSeconds.ceiling : LIMITS.idleTimeoutSeconds.floor);
  return { idleMs: seconds * 1000, judgeClose: declared || ceiling, declared };
}

interface Watched {
  readonly name: string;
  readonly closedAt: () => number | null;
}

/** Every connection the case watches, and the two it talks to. */
interface Held {
  readonly idle: Watched[];
  readonly trickle: WireClient;
  readonly trickleClosedAt: () => number | null;
  readonly nonReaderClosedAt: () => number | null;
  readonly good: WireClient;
  readonly trickleDone: Promise<void>;
  /** The non-reader's push: it resolves when its writes stalled, and sets `stalledAt`. */
  pushDone: Promise<void>;
  stalledAt: number;
}

/** A question sent in 6 pieces, `stepMs` apart (it spans 1.25 x the idle time judged). */
async function trickle(client: WireClient, question: Buffer, stepMs: number): Promise<void> {
  const pieces = Math.min(6, question.length);
  for (let i = 0; i < pieces; i++) {
    const from = Math.floor((i * question.length) / pieces);
    const to = Math.floor(((i + 1) * question.length) / pieces);
    if (i > 0) await client.pause(stepMs);
    if (client.ended) return;
    await client.send(question.subarray(from, to));
  }
}

/** Opens the crowd (idle, half-asked, trickling), the non-reader, and last the judged client. */
async function holdConnections(ctx: CaseContext, env: RunEnv, start: number, idleMs: number): Promise<Held> {
  const question = ctx.book.questions[0] as Buffer;
  const idle: Watched[] = [];
  const trickles: Promise<void>[] = [];
  for (let i = 0; i < CROWD; i++) {
    const client = await env.clients.open({ logReceived: false });
    const kind = i % 3 === 0 ? "idle" : i % 3 === 1 ? "half-asked" : "trickling";
    if (kind === "half-asked") await client.send(question.subarray(0, 1));
    if (kind === "trickling")
      trickles.push(trickle(client, question.subarray(0, question.length - 1), idleMs / 4));
    else idle.push({ name: `c${client.id} (${kind})`, closedAt: watchClose(client, start) });
  }
  env.log.note(
    `${CROWD} connections held: idle, with one byte of a question, or trickling a question that never ends`,
  );
  const judged = await env.clients.open();
  const trickleClosedAt = watchClose(judged, start);
  const trickleDone = trickle(judged, question, idleMs / 4)
    .then(() => Promise.all(trickles))
    .then(() => {});
  const nonReader = await env.clients.open({ keep: false, logReceived: false });
  const nonReaderClosedAt = watchClose(nonReader, start);
  nonReader.stopReading();
  const good = await env.clients.open();
  const held: Held = {
    idle,
    trickle: judged,
    trickleClosedAt,
    nonReaderClosedAt,
    good,
    trickleDone,
    pushDone: Promise.resolve(),
    stalledAt: Number.POSITIVE_INFINITY,
  };
  const chunker = new QuestionChunker(ctx.book, 7);
  held.pushDone = pushUntilStall(nonReader, chunker, 32 * 1024 * 1024, ctx.floorMs, ctx.signal).then(
    (push) => {
      held.stalledAt = performance.now();
      env.log.add(nonReader.id, "stall", {
        text: `${push.pushed} bytes pushed, nothing read; from now on it is idle`,
      });
    },
  );
  return held;
}

/** Fails at once on an idle close before 0.9 x I (IDLE-1) or a close of the trickling client (IDLE-3). */
function checkEarlyCloses(held: Held, idleMs: number, stepMs: number): void {
  for (const watched of held.idle) {
    const at = watched.closedAt();
    if (at !== null && at < idleMs * 0.9)
      throw new Violation(
        "IDLE-1",
        `an idle connection kept open for at least ${(idleMs / 1000).toFixed(0)} s`,
        `${watched.name} closed after ${(at / 1000).toFixed(1)} s`,
      );
  }
  const trickled = held.trickleClosedAt();
  if (trickled !== null)
    throw new Violation(
      "IDLE-3",
      `a client trickling one piece every ${(stepMs / 1000).toFixed(1)} s kept open and answered`,
      `closed after ${(trickled / 1000).toFixed(1)} s`,
    );
}

/**
 * The judged client's lock-step question is answered. This case runs beside the others, which may
 * keep the server busy (a flow case's megabytes): a reply that comes within one more wait is late,
 * not unfair; one that never comes fails FAIR-1.
 */
async function servedOrLate(ctx: CaseContext, good: WireClient, offset: number): Promise<number> {
  const situation = `while ${CROWD + 2} other connections idle, trickle or do not read`;
  try {
    return await expectUsable(ctx, good, offset, "FAIR-1", situation);
  } catch (error) {
    const answer = ctx.book.answers[0] as Buffer;
    const end = offset + answer.length;
    if (!(error instanceof Violation) || error.kind !== "missing" || good.ended) throw error;
    if ((await good.waitForBytes(end, ctx.waitMs)) !== "done") throw error;
    if (!good.received.subarray(offset, end).equals(answer) || good.receivedCount > end) throw error;
    return end;
  }
}

/** Until the deadline: the judged client is served every second or so (FAIR-1), early closes fail. */
async function watch(
  ctx: CaseContext,
  held: Held,
  start: number,
  terms: ReturnType<typeof idleTerms>,
): Promise<void> {
  const { idleMs, judgeClose } = terms;
  const graceMs = Math.max(5000, idleMs / 2, ctx.floorMs);
  const deadline = (): number =>
    judgeClose
      ? Math.max(start, Number.isFinite(held.stalledAt) ? held.stalledAt : performance.now()) +
        idleMs +
        graceMs
      : start + idleMs * 1.25 + ctx.floorMs;
  let offset = 0;
  while (performance.now() < deadline()) {
    if (ctx.signal.aborted) throw new Inconclusive("interrupted");
    offset = await servedOrLate(ctx, held.good, offset);
    checkEarlyCloses(held, idleMs, idleMs / 4);
    const allClosed = held.idle.every((w) => w.closedAt() !== null) && held.nonReaderClosedAt() !== null;
    if (judgeClose && allClosed && performance.now() - start > idleMs * 1.25 + ctx.floorMs) break;
    await sleep(Math.min(1000, idleMs / 10));
  }
}

/** IDLE-2 at the end: every idle connection (and the non-reader, from its stall) closed within I + grace. */
function checkClosed(held: Held, idleMs: number, start: number): void {
  const graceS = (Math.max(5000, idleMs / 2) / 1000).toFixed(0);
  const open = held.idle.find((w) => w.closedAt() === null);
  if (open)
    throw new Violation(
      "IDLE-2",
      `idle connections closed within I + ${graceS} s (I = ${idleMs / 1000} s)`,
      `${open.name} still open after ${((performance.now() - start) / 1000).toFixed(1)} s`,
    );
  if (held.nonReaderClosedAt() === null)
    throw new Violation(
      "IDLE-2",
      `a client that does not read while replies wait closed within I + ${graceS} s of its writes stalling (it counts as idle)`,
      `still open ${((performance.now() - held.stalledAt) / 1000).toFixed(1)} s after its writes stalled`,
    );
}

export const idleCases: ConformanceCase[] = [
  scenario({
    id: "idle.timeouts",
    title:
      "Idle connections (also one not reading while replies wait) live at least I and are closed after it; a slow trickle is not idle; a client among 66 held connections is served",
    section: "9.1",
    rules: ["IDLE-1", "IDLE-2", "IDLE-3", "FAIR-1"],
    schedule: "background",
    async run(ctx, env) {
      const terms = idleTerms(ctx);
      const start = performance.now();
      const held = await holdConnections(ctx, env, start, terms.idleMs);
      await watch(ctx, held, start, terms);
      await held.trickleDone;
      await held.pushDone;
      const question = ctx.book.questions[0] as Buffer;
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
      await expectReplies(ctx, held.trickle, replies, {
        rule: "IDLE-3",
        situation: "to a question trickled over 1.25 x I",
      });
      if (terms.judgeClose) checkClosed(held, terms.idleMs, start);
      const firstClose = Math.min(...held.idle.map((w) => w.closedAt() ?? Number.POSITIVE_INFINITY));
      const notJudged: NotJudged[] = terms.judgeClose
        ? []
        : [
            {
              rule: "IDLE-2",
              reason:
                "I undeclared: declare --idle-timeout I (or run with --limits ceiling, which waits 600 s) to judge IDLE-2",
            },
          ];
      return {
        message: terms.judgeClose
          ? `idle connections closed after ${(firstClose / 1000).toFixed(1)} s (I = ${terms.idleMs / 1000} s)`
          : `nothing closed for idleness within the floor of ${terms.idleMs / 1000} s; IDLE-2 not judged (I undeclared)`,
        evidence: {
          idleTimeoutMs: terms.idleMs,
          idleDeclared: String(terms.declared),
          firstIdleCloseMs: Number.isFinite(firstClose) ? Math.round(firstClose) : "open",
          heldConnections: CROWD + 2,
        },
        notJudged,
      };
    },
  }),
];
