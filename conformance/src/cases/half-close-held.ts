/**
 * Spec 8.1 with held output (HALF-1, FLOW-1): the client's FIN must reach the server while the
 * server itself holds replies, or a server that drops them at FIN is never seen to. A client that
 * reads nothing pipelines the question with the longest reply per byte, a little at a time, until
 * the kernel's queues (/proc/net/tcp) show that the server has read every byte and the kernels
 * refuse some of the replies owed: the server holds them (at most a few KiB, well under any H, so
 * it is still reading). Then the FIN, then the client reads: every owed reply, then the close.
 * Where the server's end is not visible on this host, the client pushes a fixed amount instead.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { formatSize } from "../bytes.js";
import type { CaseContext, RunEnv } from "../case.js";
import { blockedBehind, expectClose } from "../checks.js";
import type { WireClient } from "../client.js";
import { OwedReplies, serverView } from "../flow-push.js";
import { QuestionChunker, ReplyVerifier } from "../stream.js";
import { connectionQueues } from "../tcp-queues.js";
import { Inconclusive, Violation } from "../verdicts.js";
import { checkPipelining, type FlowPlan, flowPlan, streamMismatch } from "./flow.js";

/** Questions are pushed a step at a time, each owing about this much (well under the floor of H). */
const STEP_REPLY_BYTES = 16_200;
/** Never more replies owed than this (past the kernels' buffers; short to read back). */
const OWED_CAP = 16 * 1024 * 1024;
/** Pushed when the server's end is not visible here (the case then cannot show it held replies). */
const BLIND_PUSH = 1024 * 1024;
const POLL_MS = 2;
/** The server is given this long to answer what it read before the kernels' queues are read. */
const SETTLE_MS = 3;
/** Held replies are confirmed after this long. */
const CONFIRM_MS = 20;
const ESTABLISHED = "01";
const CLOSE_WAIT = "08";

/** Bytes of the pushed question per step, so that a step owes about STEP_REPLY_BYTES. */
function stepBytes(plan: FlowPlan): number {
  const i = plan.favourite ?? 0;
  const ratio = (plan.book.answers[i] as Buffer).length / (plan.book.questions[i] as Buffer).length;
  return Math.max(1, Math.floor(STEP_REPLY_BYTES / ratio));
}

/** What the server held at a moment: it had read `read` bytes, owing `held` bytes not yet written. */
interface Holding {
  readonly pushed: number;
  readonly read: number;
  readonly held: number;
  /** Reply bytes on their way (the kernels, the client's own buffer). */
  readonly onTheWay: number;
}

/** The server's end now, for `pushed` bytes sent; null when not visible. */
async function holdingNow(
  reader: WireClient,
  port: number,
  pushed: number,
  owed: OwedReplies,
): Promise<Holding | null> {
  let view = await serverView(reader, port, pushed);
  // A busy host may miss a row in one read of /proc/net/tcp: look again before calling it invisible.
  for (let i = 0; i < 3 && (view.read === null || view.kernelReplies === null) && !reader.ended; i++) {
    await sleep(50);
    view = await serverView(reader, port, pushed);
  }
  if (view.read === null || view.kernelReplies === null) return null;
  return {
    pushed,
    read: view.read,
    held: owed.upTo(view.read) - view.kernelReplies,
    onTheWay: view.kernelReplies,
  };
}

/** After a short pause, polls until the server has read every byte pushed (or `ms` passed); what it holds then. */
async function settle(
  reader: WireClient,
  port: number,
  pushed: number,
  owed: OwedReplies,
  ms: number,
): Promise<Holding | null> {
  const deadline = performance.now() + ms;
  for (;;) {
    await sleep(SETTLE_MS);
    const holding = await holdingNow(reader, port, pushed, owed);
    if (holding === null || holding.read >= pushed || performance.now() > deadline) return holding;
  }
}

/**
 * Held replies are confirmed when, CONFIRM_MS later, the kernels have taken none of them: they
 * are full (a server that was only slow to answer has written more by then).
 */
async function confirmHeld(
  reader: WireClient,
  port: number,
  first: Holding,
  owed: OwedReplies,
): Promise<Holding | null> {
  await sleep(CONFIRM_MS);
  const again = await holdingNow(reader, port, first.pushed, owed);
  return again && again.held > 0 && again.onTheWay <= first.onTheWay ? again : null;
}

/**
 * The server has read none of the step yet: it may not serve this connection at all while the
 * cases beside this one hold others (FAIR-1). It gets the progress wait to start reading; what it
 * holds then is judged as any step's.
 */
async function servedAtAll(
  ctx: CaseContext,
  reader: WireClient,
  port: number,
  pushed: number,
  owed: OwedReplies,
): Promise<Holding | null> {
  const holding = await settle(reader, port, pushed, owed, ctx.waitMs);
  if (holding === null || holding.read > 0 || reader.ended) return holding;
  const others = reader.openBesideCase;
  if (others <= 0) return holding; // it read nothing, with nothing else open: judged as holding
  const unread = `the server had read none of the ${pushed} bytes of c${reader.id} in ${((ctx.floorMs + ctx.waitMs) / 1000).toFixed(1)} s`;
  throw new Violation(
    "HALF-1",
    "the server to read the pipelined questions",
    `none of them read`,
    "missing",
  ).diagnosed(blockedBehind(unread, others));
}

/**
 * Pushes a step at a time until the server has read everything and holds replies the kernels
 * refuse; null when its end is not visible; Inconclusive once OWED_CAP of replies are owed.
 */
async function pushUntilHeld(
  ctx: CaseContext,
  reader: WireClient,
  plan: FlowPlan,
  chunk: (n: number) => Buffer,
): Promise<Holding | null> {
  const owed = new OwedReplies(plan.book, plan.seed, plan.favourite);
  const port = ctx.target.port;
  const owedPushed = new OwedReplies(plan.book, plan.seed, plan.favourite);
  const step = stepBytes(plan);
  let pushed = 0;
  while (owedPushed.upTo(pushed) < OWED_CAP && !reader.ended && !ctx.signal.aborted) {
    const bytes = chunk(step);
    reader.push(bytes);
    pushed += bytes.length;
    let holding = await settle(reader, port, pushed, owed, ctx.floorMs);
    if (holding?.read === 0 && !reader.ended) holding = await servedAtAll(ctx, reader, port, pushed, owed);
    if (holding === null && reader.ended) break; // the server closed it: judged below
    if (holding === null) return null;
    if (holding.read < pushed) return holding; // it stopped reading: it holds more than its H
    const confirmed = holding.held > 0 ? await confirmHeld(reader, port, holding, owed) : null;
    if (confirmed) return confirmed;
  }
  if (reader.ended) return { pushed, read: pushed, held: 0, onTheWay: 0 };
  throw new Inconclusive(
    `the kernels took every reply to ${formatSize(pushed)} of pipelined questions (${formatSize(owedPushed.upTo(pushed))} owed): the server never had to hold one, so its FIN handling could not be judged`,
  );
}

/** The replies the server holds once it has read the client's FIN (its end in close-wait, nothing unread). */
async function heldAtFin(ctx: CaseContext, reader: WireClient, owed: number): Promise<number | undefined> {
  const deadline = performance.now() + ctx.floorMs;
  while (performance.now() < deadline) {
    const queues = await connectionQueues(reader.localPort, ctx.target.port);
    if (!queues) return undefined;
    const { state, rxQueue, txQueue } = queues.server;
    if (state === CLOSE_WAIT && rxQueue === 0)
      return owed - reader.receivedCount - txQueue - queues.client.rxQueue - reader.socket.readableLength;
    if (state !== ESTABLISHED && state !== CLOSE_WAIT) return undefined;
    await sleep(POLL_MS);
  }
  return undefined;
}

/** Every owed reply after the FIN, then the close; nothing more. */
async function checkRepliesAfterFin(
  ctx: CaseContext,
  reader: WireClient,
  plan: FlowPlan,
  owed: number,
  held: string,
) {
  const verifier = new ReplyVerifier(plan.book, plan.seed, plan.favourite);
  verifier.attach(reader);
  reader.resumeReading();
  const outcome = await reader.waitUntil(
    () => verifier.verified >= owed || verifier.mismatch !== null,
    ctx.waitMs,
  );
  if (verifier.mismatch) {
    throw streamMismatch(reader.id, verifier, plan.book, "every reply exactly once, in order, byte for byte");
  }
  if (verifier.verified < owed) {
    const how =
      outcome === "timeout"
        ? `no byte for ${(ctx.waitMs / 1000).toFixed(1)} s`
        : reader.eof
          ? "the server closed the connection"
          : `the connection was reset (${reader.peerError})`;
    throw new Violation(
      "HALF-1",
      `all ${formatSize(owed)} of replies owed at the client's FIN (the server holding ${held} of them), then the close`,
      `${formatSize(verifier.verified)} (${verifier.verified} of ${owed} bytes)${verifier.midReply ? " (ending inside a reply)" : ""}, then ${how}`,
      "missing", // a target that died meanwhile is judged for its death (ROBUST-1)
    );
  }
  await expectClose(ctx, reader, "HALF-1", "after the replies owed at the client's FIN");
  if (reader.receivedCount > owed)
    throw new Violation(
      "ANSWER-1",
      `exactly ${owed} bytes of replies`,
      `${reader.receivedCount - owed} more bytes`,
    );
}

export interface HeldResult {
  readonly message: string;
  readonly evidence: Record<string, number | string>;
}

/** What the server held at the FIN, as the report says it. */
function heldText(atFin: number | undefined, holding: Holding | null): string {
  if (atFin !== undefined) return formatSize(atFin);
  if (holding) return `${formatSize(holding.held)} just before the FIN`;
  return "an amount not visible here";
}

/** The held half-close: push until the server holds replies, FIN, read; every reply, then the close. */
export async function halfCloseHeld(ctx: CaseContext, env: RunEnv, seed: number): Promise<HeldResult> {
  const plan = flowPlan(ctx, seed, true);
  const probe = await env.clients.open();
  await checkPipelining(ctx, probe, plan);
  probe.destroy();
  const question = JSON.stringify((plan.book.questions[0] as Buffer).toString("latin1"));
  const reader = await env.clients.open({ keep: false, logReceived: false });
  reader.stopReading();
  env.log.note(
    `c${reader.id} pipelines ${question} ${stepBytes(plan)} bytes at a time, reading nothing, until the server holds replies`,
  );
  const chunker = new QuestionChunker(plan.book, plan.seed, plan.favourite);
  const holding = await pushUntilHeld(ctx, reader, plan, (n) => chunker.chunk(n));
  if (holding === null) reader.push(chunker.chunk(BLIND_PUSH));
  const owed = ReplyVerifier.totalFor(plan.book, plan.seed, chunker.questions, plan.favourite);
  reader.finish();
  const atFin = await heldAtFin(ctx, reader, owed);
  const held = heldText(atFin, holding);
  env.log.note(
    `FIN after ${formatSize(chunker.bytes)}; the server holds ${held} of ${formatSize(owed)} of replies owed`,
  );
  await checkRepliesAfterFin(ctx, reader, plan, owed, held);
  if (holding === null)
    throw new Inconclusive(
      `every owed reply came after the FIN, but the server's end is not visible on this host (/proc/net/tcp), so whether it held any of them at the FIN cannot be shown`,
    );
  return {
    message: `FIN after ${formatSize(chunker.bytes)} of unread pipelined ${question}, the server holding ${held} of replies; all ${formatSize(owed)}, then close`,
    evidence: {
      pushedBytes: chunker.bytes,
      replyBytesOwed: owed,
      heldBeforeFinBytes: holding.held,
      heldAtFinBytes: atFin ?? "not visible",
    },
  };
}
