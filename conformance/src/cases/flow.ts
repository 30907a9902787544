/**
 * Spec section 7: flow control (FLOW-1..3), fairness (FAIR-1) and memory per connection
 * (RESOURCE-3). A client pipelines and reads nothing until the server stops reading (flow-push.ts:
 * questions chosen by their reply-to-question ratio, a stall judged by the bytes the server takes);
 * meanwhile another client is answered; then it reads, and every reply must arrive once, in order.
 */
import { LIMITS } from "@bridgekeeper/spec";
import { formatSize } from "../bytes.js";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { closedForIdleness, expectReplies, expectUsable } from "../checks.js";
import type { WaitOutcome, WireClient } from "../client.js";
import type { Diagnosis } from "../diagnosis.js";
import { type FlowPush, flowBook, OwedReplies, pushWhileServerReads } from "../flow-push.js";
import { AnswerBook, expectedReplies } from "../model.js";
import { type FlowSampler, type FlowSamples, withFlowSampler } from "../samples.js";
import { ReplyVerifier } from "../stream.js";
import type { ProcessEvidence } from "../target.js";
import { Inconclusive, Violation, withMismatch } from "../verdicts.js";

const CAP_BYTES = 128 * 1024 * 1024;
/** Replies read back in full up to this size; past it a prefix is verified and the client resets. */
const FULL_READ_LIMIT = 32 * 1024 * 1024;
const PREFIX_READ = 16 * 1024 * 1024;
const MEMORY_SLACK = 64 * 1024 * 1024;

/** What a flow case pushes: a table (the target's, plus `?`), the question to favour, the seed. */
export interface FlowPlan {
  readonly book: AnswerBook;
  /** Asked 3 times in 4 (undefined: the book holds one question, asked every time). */
  readonly favourite: number | undefined;
  readonly seed: number;
}

/** The plan of a flow case: the best-amplifying question favoured, or (`only`) asked every time. */
export function flowPlan(ctx: CaseContext, seed: number, only = false): FlowPlan {
  // A target that does not answer unknown questions is pushed table questions only (UNKNOWN-1 is judged elsewhere).
  const { book, favourite } = flowBook(ctx.book, ctx.unknownAnswered);
  if (!only) return { book, favourite, seed };
  const entry = { question: book.questions[favourite] as Buffer, answer: book.answers[favourite] as Buffer };
  return {
    book: new AnswerBook({ name: book.name, entries: [entry] }, book.unknownReply),
    favourite: undefined,
    seed,
  };
}

/**
 * The pipelining a flow case relies on, checked first on `client` with the question it pushes
 * (so a framing or pipelining fault is named by its rule, not by FLOW-1): a table question and
 * the pushed one, twice, in one write. Returns the offset after their replies.
 */
export async function checkPipelining(ctx: CaseContext, client: WireClient, plan: FlowPlan): Promise<number> {
  const pushed = plan.book.questions[plan.favourite ?? 0] as Buffer;
  // Another question than the pushed one, so that replies swapped in pairs show.
  const table = (ctx.book.questions.find((q) => !q.equals(pushed)) ?? ctx.book.questions[0]) as Buffer;
  const stream = Buffer.concat([table, pushed, table, pushed]);
  await client.send(stream);
  const { replies } = expectedReplies(
    flowBook(ctx.book, ctx.unknownAnswered).book,
    ctx.limits.maxQuestion,
    stream,
  );
  return expectReplies(ctx, client, replies, {
    rule: "ANSWER-2",
    situation: "to questions pipelined in one write, before the push",
  });
}

/** The stalled client, the other one, and what the push and the OS showed. */
export interface Pushed {
  readonly reader: WireClient;
  readonly other: WireClient;
  readonly otherOffset: number;
  /** When the other connection was last answered, before the push. */
  readonly otherAnsweredAt: number;
  readonly push: FlowPush;
  readonly pushedAt: number;
  readonly before: ProcessEvidence | null;
  readonly during: ProcessEvidence | null;
}

/** Phase 1: one client pipelines and reads nothing until the server stops reading; another is answered first. */
export async function pushWithoutReading(
  ctx: CaseContext,
  env: RunEnv,
  plan: FlowPlan,
  capBytes: number,
  sampler: FlowSampler,
): Promise<Pushed> {
  // The pipelining the push relies on, on a connection of its own, closed before the others open.
  const probe = await env.clients.open();
  await checkPipelining(ctx, probe, plan);
  probe.destroy();
  const reader = await env.clients.open({ keep: false, logReceived: false });
  const other = await env.clients.open();
  reader.stopReading();
  const before = await ctx.target.processEvidence();
  const otherOffset = await expectUsable(ctx, other, 0, "FAIR-1", "on a second connection before the push");
  const otherAnsweredAt = performance.now();
  const favoured = plan.book.questions[plan.favourite ?? 0] as Buffer;
  env.log.note(
    `c${reader.id} pipelines seeded questions (seed ${plan.seed}; ${JSON.stringify(favoured.toString("latin1"))} ${plan.favourite === undefined ? "every time" : "3 times in 4"}), reading nothing, until the server takes no byte for ${ctx.floorMs} ms (cap ${formatSize(capBytes)})`,
  );
  sampler.start({
    pushedBytes: () => reader.writtenCount - reader.unsentBytes,
    replyBytes: () => reader.receivedCount,
    rssBytes: async () => (await ctx.target.processEvidence())?.rssBytes ?? null,
  });
  const push = await pushWhileServerReads(reader, plan.book, plan.seed, plan.favourite, {
    capBytes,
    windowMs: ctx.floorMs,
    serverPort: ctx.target.port,
    signal: ctx.signal,
    judgeCeiling: ctx.target.launched, // a launched target's socket is its own, not a proxy's
  });
  const pushedAt = performance.now();
  if (push.stalled) sampler.mark("writes stalled", env.log.now() - ctx.floorMs);
  env.log.add(reader.id, push.stalled ? "stall" : "note", {
    text: `${formatSize(push.pushed)} pushed (${push.questions} questions) in ${(push.ms / 1000).toFixed(1)} s`,
  });
  const during = await ctx.target.processEvidence();
  return { reader, other, otherOffset, otherAnsweredAt, push, pushedAt, before, during };
}

export function evidenceOf(pushed: Pushed): Record<string, number | string> {
  const { push, before, during } = pushed;
  return {
    pushedBytes: push.pushed,
    questions: push.questions,
    stalled: String(push.stalled),
    pushMs: Math.round(push.ms),
    serverReadBytes: push.view.read ?? "not visible",
    kernelReplyBytes: push.view.kernelReplies ?? "not visible",
    ...(before && during ? { rssBeforeBytes: before.rssBytes, rssStalledBytes: during.rssBytes } : {}),
  };
}

/** FLOW-2 broken while pushing: the server held more than the ceiling of H and kept reading. */
function overCeiling(push: FlowPush, targetDied: boolean): Violation | undefined {
  const over = push.overCeiling;
  if (!over) return undefined;
  return new Violation(
    "FLOW-2",
    `the server to stop reading once it holds more than its high-water mark (at most ${formatSize(LIMITS.highWaterMarkBytes.ceiling)})`,
    `it had read ${formatSize(over.read)} of questions owing ${formatSize(over.owed)} of replies, the kernels held ${formatSize(over.kernelReplies)} of them, and it kept reading: it held at least ${formatSize(over.owed - over.kernelReplies)}`,
    // Replies a process that died during the push never sent: judged for the death (ROBUST-1).
    targetDied ? "missing" : "wrong",
  );
}

/**
 * Phase 2: the push never stalled. A server that kept reading may simply not be answering as the
 * spec says (then it never held much output): the first replies are looked at before FLOW-2 is blamed.
 */
async function judgeNoStall(
  ctx: CaseContext,
  pushed: Pushed,
  plan: FlowPlan,
  sampler: FlowSampler,
): Promise<never> {
  const { reader, push } = pushed;
  const check = new ReplyVerifier(plan.book, plan.seed, plan.favourite);
  check.attach(reader);
  sampler.mark("client reads");
  reader.resumeReading();
  await reader.waitUntil(() => check.mismatch !== null || check.verified >= 1024 * 1024, ctx.floorMs);
  if (check.mismatch) {
    const violation = new Violation(
      "ANSWER-2",
      "the replies to pipelined questions, in order, byte for byte",
      check.mismatch,
    );
    throw mismatchOf(reader.id, check, violation);
  }
  throw (
    overCeiling(push, ctx.target.exitStatus() !== null) ??
    new Violation(
      "FLOW-2",
      `the client's writes to stall once the server holds more than its high-water mark of replies (and stops reading)`,
      `${formatSize(push.pushed)} of pipelined questions accepted without a stall while the client read nothing: the server kept reading`,
    )
  );
}

/**
 * Phase 2 after a stall: the stall judges FLOW-2 only when the replies owed for everything pushed
 * exceed what the kernels hold by more than the floor of H; otherwise the case could not judge.
 */
function checkStallJudges(pushed: Pushed, plan: FlowPlan): void {
  const { push } = pushed;
  if (push.view.kernelReplies === null) return;
  const owedAll = new OwedReplies(plan.book, plan.seed, plan.favourite).upTo(push.pushed);
  if (owedAll - push.view.kernelReplies >= LIMITS.highWaterMarkBytes.floor) return;
  throw new Inconclusive(
    `the writes stalled with ${formatSize(owedAll)} of replies owed in all and ${formatSize(push.view.kernelReplies)} in the kernels: the server never had to hold output, so the stall says nothing about FLOW-2`,
  );
}

/** Phase 3: memory per connection stayed bounded while the client pushed (RESOURCE-3). */
export function checkMemory(pushed: Pushed): void {
  const { before, during, push } = pushed;
  if (!before || !during) return;
  const growth = during.rssBytes - before.rssBytes;
  if (growth > MEMORY_SLACK && growth > push.pushed / 2) {
    throw new Violation(
      "RESOURCE-3",
      `memory per connection bounded (RSS growth at most ${formatSize(MEMORY_SLACK)} or half the bytes pushed)`,
      `RSS grew by ${formatSize(growth)} while a client pushed ${formatSize(push.pushed)} and read nothing`,
    );
  }
}

/** Phase 4: the other client is served while the first is stalled (FAIR-1). */
export async function serveTheOther(ctx: CaseContext, pushed: Pushed): Promise<void> {
  const { other } = pushed;
  let offset = pushed.otherOffset;
  try {
    for (let i = 0; i < 3; i++)
      offset = await expectUsable(
        ctx,
        other,
        offset,
        "FAIR-1",
        "on another connection while one client is not reading",
      );
  } catch (error) {
    throw closedForIdleness(ctx, other, performance.now() - pushed.otherAnsweredAt) ?? error;
  }
}

/** The rule a read-back that stopped short breaks, and how it stopped. */
export function shortRead(
  ctx: CaseContext,
  pushed: Pushed,
  outcome: WaitOutcome,
  verified: number,
  halfClose: boolean,
): { rule: string; how: string } {
  const { reader } = pushed;
  const readMs = performance.now() - pushed.pushedAt;
  // Undeclared, the server may close an idle connection from the floor of I on.
  const idleSec = ctx.limits.idleTimeoutSec ?? LIMITS.idleTimeoutSeconds.floor;
  if (outcome === "closed" && readMs + ctx.floorMs > idleSec * 1000 * 0.9) {
    throw new Inconclusive(
      `the server closed the stalled connection after ${(readMs / 1000).toFixed(1)} s, close to its idle timeout of ${idleSec} s; the harness was too slow to judge`,
    );
  }
  // After a FIN, a close before every owed reply is HALF-1 (the wire cannot tell dropped held
  // replies from a lost partial write; a gap in the middle is caught as a mismatch, FLOW-1).
  const rule =
    halfClose && outcome === "closed"
      ? "HALF-1"
      : outcome === "timeout" && verified > 0
        ? "FLOW-3"
        : "FLOW-1";
  const how =
    outcome === "closed"
      ? reader.eof
        ? "the server closed the connection"
        : `the connection was reset (${reader.peerError})`
      : `no byte for ${(ctx.waitMs / 1000).toFixed(1)} s`;
  return { rule, how };
}

/** Phase 5: the client reads; every owed reply arrives once, in order (the first 16 MiB past 192 MiB). */
async function readBack(ctx: CaseContext, env: RunEnv, pushed: Pushed, plan: FlowPlan, sampler: FlowSampler) {
  const { reader, push } = pushed;
  const owed = ReplyVerifier.totalFor(plan.book, plan.seed, push.questions, plan.favourite);
  const verifier = new ReplyVerifier(plan.book, plan.seed, plan.favourite);
  verifier.attach(reader);
  const readAll = owed <= FULL_READ_LIMIT;
  const target = readAll ? owed : PREFIX_READ;
  env.log.note(
    `c${reader.id} starts reading: ${formatSize(owed)} of replies owed, ${readAll ? "reading all" : `verifying the first ${formatSize(target)}`}`,
  );
  sampler.mark("client reads");
  reader.resumeReading();
  const outcome = await reader.waitUntil(
    () => verifier.verified >= target || verifier.mismatch !== null,
    ctx.waitMs,
  );
  if (verifier.mismatch) {
    throw streamMismatch(reader.id, verifier, plan.book, "every reply exactly once, in order, byte for byte");
  }
  if (verifier.verified < target) {
    const { rule, how } = shortRead(ctx, pushed, outcome, verifier.verified, false);
    throw new Violation(
      rule,
      `${formatSize(target)} of replies once the client reads (${push.questions} questions pipelined)`,
      `${formatSize(verifier.verified)} (${verifier.verified} of ${target} bytes)${verifier.midReply ? " (ending inside a reply)" : ""}, then ${how}`,
      "missing",
    );
  }
  if (readAll && (await reader.waitUntil(() => reader.receivedCount > owed, 200)) === "done")
    throw new Violation(
      "ANSWER-1",
      `exactly ${owed} bytes of replies`,
      `${reader.receivedCount - owed} more bytes`,
    );
  return { owed, verified: verifier.verified };
}

/** The verifier's first differing byte, on the violation it explains. */
export function mismatchOf(conn: number, verifier: ReplyVerifier, violation: Violation): Violation {
  return verifier.mismatchAt ? withMismatch(violation, { conn, ...verifier.mismatchAt }) : violation;
}

const ANOTHER_QUESTION_ANSWERED: Diagnosis = {
  id: "another-question-in-stream",
  rule: "FRAME-4",
  explanation:
    "where a reply began, the reply to another question came: the server framed the pipelined stream differently from how it was sent (its reads cut questions), it did not lose or repeat output",
};

/**
 * A wrong byte in a long pipelined stream (the pipelining itself was checked first): another
 * question's reply at a reply boundary is misframing (FRAME-4); anything else is output lost,
 * repeated or corrupted (FLOW-1).
 */
export function streamMismatch(
  conn: number,
  verifier: ReplyVerifier,
  book: AnswerBook,
  expected: string,
): Violation {
  const got = verifier.mismatch ?? "";
  const violation = verifier.anotherReplyAtBoundary(book)
    ? new Violation("FRAME-4", expected, got, "wrong", ANOTHER_QUESTION_ANSWERED)
    : new Violation("FLOW-1", expected, got);
  return mismatchOf(conn, verifier, violation);
}

/** Phases 1 to 4, shared by the flow cases and the held half-close: the push and what it must show. */
export async function pushAndJudgeTheStall(
  ctx: CaseContext,
  env: RunEnv,
  plan: FlowPlan,
  capBytes: number,
  sampler: FlowSampler,
  { requireStall }: { readonly requireStall: boolean },
): Promise<Pushed> {
  const pushed = await pushWithoutReading(ctx, env, plan, capBytes, sampler);
  const { reader, push } = pushed;
  if (reader.ended) {
    // Closed before even the floor of I since it began: the server took the stalled connection for idle too early.
    const idleMs = (ctx.limits.idleTimeoutSec ?? LIMITS.idleTimeoutSeconds.floor) * 1000;
    if (push.ms < 0.9 * idleMs)
      throw new Violation(
        "IDLE-1",
        `a connection kept open for at least the idle timeout (${idleMs / 1000} s) while its client pipelines and reads nothing`,
        `the server ${reader.eof ? "closed it" : `reset it (${reader.peerError})`} ${(push.ms / 1000).toFixed(1)} s after the client began, ${formatSize(push.pushed)} pushed`,
        "missing",
      );
    throw new Violation(
      "FLOW-1",
      "the connection to stay open while the client pipelines without reading",
      `the server ${reader.eof ? "closed it" : `reset it (${reader.peerError})`} after ${formatSize(push.pushed)}`,
      "missing",
    );
  }
  const over = overCeiling(push, ctx.target.exitStatus() !== null);
  if (over) throw over;
  if (requireStall && !push.stalled) await judgeNoStall(ctx, pushed, plan, sampler);
  if (push.stalled) checkStallJudges(pushed, plan);
  checkMemory(pushed);
  await serveTheOther(ctx, pushed);
  return pushed;
}

export interface SlowReaderResult {
  readonly evidence: Record<string, number | string>;
  /** Bytes pushed, bytes of replies received and the server's RSS over time. */
  readonly samples: FlowSamples;
}

/** The slow reader: push until the server stops reading, another client served, then read everything back. */
export async function slowReader(ctx: CaseContext, env: RunEnv, plan: FlowPlan): Promise<SlowReaderResult> {
  const { result, samples } = await withFlowSampler(
    () => env.log.now(),
    async (sampler) => {
      const pushed = await pushAndJudgeTheStall(ctx, env, plan, CAP_BYTES, sampler, { requireStall: true });
      const read = await readBack(ctx, env, pushed, plan, sampler);
      return { ...evidenceOf(pushed), replyBytesOwed: read.owed, replyBytesVerified: read.verified };
    },
  );
  return { evidence: result, samples };
}

export const flowCases: ConformanceCase[] = [
  scenario({
    id: "flow.slow-reader",
    title:
      "A client that pipelines and reads nothing: the server stops reading, serves others, loses nothing",
    section: "7.2",
    rules: ["FLOW-2", "FLOW-1", "FLOW-3", "FAIR-1", "RESOURCE-3"],
    async run(ctx, env, seed) {
      const { evidence, samples } = await slowReader(ctx, env, flowPlan(ctx, seed));
      return {
        message: `${formatSize(Number(evidence.pushedBytes))} pushed before the server stopped reading; ${formatSize(Number(evidence.replyBytesVerified))} of replies verified`,
        evidence,
        samples,
      };
    },
  }),
  scenario({
    id: "flow.amplification",
    title:
      "The question with the longest reply per byte, asked again and again: the server stops reading past its high-water mark",
    section: "7.2",
    rules: ["FLOW-2", "FLOW-1", "FAIR-1", "RESOURCE-3"],
    async run(ctx, env, seed) {
      const plan = flowPlan(ctx, seed, true);
      const { evidence, samples } = await slowReader(ctx, env, plan);
      const question = JSON.stringify((plan.book.questions[0] as Buffer).toString("latin1"));
      return {
        message: `${question} asked every time; ${formatSize(Number(evidence.pushedBytes))} pushed before the stall, ${formatSize(Number(evidence.replyBytesOwed))} of replies owed`,
        evidence,
        samples,
      };
    },
  }),
];
