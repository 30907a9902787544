/** Spec section 7: flow control (FLOW-1..3), fairness (FAIR-1) and memory per connection (RESOURCE-3). */
import { LIMITS } from "@bridgekeeper/spec";
import { formatSize } from "../bytes.js";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { expectUsable } from "../checks.js";
import type { WaitOutcome, WireClient } from "../client.js";
import { type FlowSampler, type FlowSamples, withFlowSampler } from "../samples.js";
import { type PushResult, pushUntilStall, QuestionChunker, ReplyVerifier } from "../stream.js";
import type { ProcessEvidence } from "../target.js";
import { Inconclusive, Violation, withMismatch } from "../verdicts.js";

const CAP_BYTES = 128 * 1024 * 1024;
/** Replies read back in full up to this size; past it a prefix is verified and the client resets. */
const FULL_READ_LIMIT = 192 * 1024 * 1024;
const PREFIX_READ = 16 * 1024 * 1024;
const MEMORY_SLACK = 64 * 1024 * 1024;

/** The table question with the largest answer per question byte (amplification). */
export function costliestQuestion(ctx: CaseContext): number {
  let best = 0;
  let ratio = 0;
  ctx.book.questions.forEach((q, i) => {
    const r = (ctx.book.answers[i] as Buffer).length / q.length;
    if (r > ratio) {
      ratio = r;
      best = i;
    }
  });
  return best;
}

/** Reply bytes per question byte for the seeded sequence (3 in 4 the favourite when given). */
function replyRatio(ctx: CaseContext, favourite?: number): number {
  const mean = (items: readonly Buffer[]): number => items.reduce((n, b) => n + b.length, 0) / items.length;
  const pick = (items: readonly Buffer[]): number =>
    favourite === undefined ? mean(items) : 0.75 * (items[favourite] as Buffer).length + 0.25 * mean(items);
  return pick(ctx.book.answers) / pick(ctx.book.questions);
}

interface SlowReaderOptions {
  readonly favourite?: number;
  /** Half-close once the writes stalled (or at `capBytes`). */
  readonly halfClose?: boolean;
  readonly capBytes: number;
}

/** The stalled client, the other one, and what the push and the OS showed. */
interface Pushed {
  readonly reader: WireClient;
  readonly other: WireClient;
  readonly otherOffset: number;
  readonly push: PushResult;
  readonly pushedAt: number;
  readonly before: ProcessEvidence | null;
  readonly during: ProcessEvidence | null;
}

/** After a FIN every owed reply must be read back: keep that under FULL_READ_LIMIT / 2. */
function capFor(ctx: CaseContext, options: SlowReaderOptions): number {
  if (!options.halfClose) return options.capBytes;
  const readable = Math.floor(FULL_READ_LIMIT / 2 / replyRatio(ctx, options.favourite));
  return Math.max(64 * 1024, Math.min(options.capBytes, readable));
}

/** Phase 1: one client pipelines and reads nothing until its writes stall; another is answered first. */
async function pushWithoutReading(
  ctx: CaseContext,
  env: RunEnv,
  seed: number,
  options: SlowReaderOptions,
  sampler: FlowSampler,
): Promise<Pushed> {
  const reader = await env.clients.open({ keep: false, logReceived: false });
  const other = await env.clients.open();
  reader.stopReading();
  const before = await ctx.target.processEvidence();
  const otherOffset = await expectUsable(ctx, other, 0, "FAIR-1", "on a second connection before the push");
  const capBytes = capFor(ctx, options);
  env.log.note(
    `c${reader.id} pipelines seeded questions (seed ${seed}) in 64 KiB writes, reading nothing, until its writes stall for ${ctx.floorMs} ms (cap ${formatSize(capBytes)})`,
  );
  const chunker = new QuestionChunker(ctx.book, seed, options.favourite);
  sampler.start({
    pushedBytes: () => chunker.bytes - reader.unsentBytes,
    replyBytes: () => reader.receivedCount,
    rssBytes: async () => (await ctx.target.processEvidence())?.rssBytes ?? null,
  });
  const push = await pushUntilStall(reader, chunker, capBytes, ctx.floorMs, ctx.signal);
  const pushedAt = performance.now();
  // pushUntilStall waited the quiet floor for a 'drain' before it called the writes stalled.
  if (push.stalled) sampler.mark("writes stalled", env.log.now() - ctx.floorMs);
  env.log.add(reader.id, push.stalled ? "stall" : "note", {
    text: `${formatSize(push.pushed)} pushed (${push.questions} questions) in ${(push.ms / 1000).toFixed(1)} s`,
  });
  const during = await ctx.target.processEvidence();
  return { reader, other, otherOffset, push, pushedAt, before, during };
}

function evidenceOf(pushed: Pushed): Record<string, number | string> {
  const { push, before, during } = pushed;
  return {
    pushedBytes: push.pushed,
    questions: push.questions,
    stalled: String(push.stalled),
    pushMs: Math.round(push.ms),
    ...(before && during ? { rssBeforeBytes: before.rssBytes, rssStalledBytes: during.rssBytes } : {}),
  };
}

/**
 * Phase 2: the push never stalled. A server that kept reading may simply not be answering as the
 * spec says (then it never held much output): the first replies are looked at before FLOW-2 is blamed.
 */
async function judgeNoStall(
  ctx: CaseContext,
  pushed: Pushed,
  seed: number,
  sampler: FlowSampler,
  favourite?: number,
): Promise<never> {
  const { reader, push } = pushed;
  const check = new ReplyVerifier(ctx.book, seed, favourite);
  check.attach(reader);
  sampler.mark("client reads");
  reader.resumeReading();
  await reader.waitUntil(() => check.mismatch !== null || check.verified >= 1024 * 1024, ctx.floorMs);
  if (check.mismatch)
    throw mismatchOf(
      reader.id,
      check,
      new Violation(
        "ANSWER-2",
        "the replies to pipelined questions, in order, byte for byte",
        check.mismatch,
      ),
    );
  throw new Violation(
    "FLOW-2",
    `the client's writes to stall once the server holds more than its high-water mark of replies (and stops reading)`,
    `${formatSize(push.pushed)} of pipelined questions accepted without a stall while the client read nothing: the server kept reading`,
  );
}

/** Phase 3: memory per connection stayed bounded while the client pushed (RESOURCE-3). */
function checkMemory(pushed: Pushed): void {
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
async function serveTheOther(ctx: CaseContext, pushed: Pushed): Promise<void> {
  let offset = pushed.otherOffset;
  for (let i = 0; i < 3; i++)
    offset = await expectUsable(
      ctx,
      pushed.other,
      offset,
      "FAIR-1",
      "on another connection while one client is not reading",
    );
}

/** The rule a read-back that stopped short breaks, and how it stopped. */
function shortRead(
  ctx: CaseContext,
  pushed: Pushed,
  outcome: WaitOutcome,
  verifier: ReplyVerifier,
  halfClose: boolean,
): { rule: string; how: string } {
  const { reader } = pushed;
  const readMs = performance.now() - pushed.pushedAt;
  // Undeclared, the server may close an idle connection from the floor of I on.
  const idleSec = ctx.limits.idleTimeoutSec ?? LIMITS.idleTimeoutSeconds.floor;
  const idleMs = idleSec * 1000;
  if (outcome === "closed" && readMs + ctx.floorMs > idleMs * 0.9) {
    throw new Inconclusive(
      `the server closed the stalled connection after ${(readMs / 1000).toFixed(1)} s, close to its idle timeout of ${idleSec} s; the harness was too slow to judge`,
    );
  }
  // After a FIN, a close before every owed reply is HALF-1 (the wire cannot tell dropped held
  // replies from a lost partial write; a gap in the middle is caught as a mismatch, FLOW-1).
  const rule =
    halfClose && outcome === "closed"
      ? "HALF-1"
      : outcome === "timeout" && verifier.verified > 0
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
async function readBack(
  ctx: CaseContext,
  env: RunEnv,
  pushed: Pushed,
  seed: number,
  options: SlowReaderOptions,
  sampler: FlowSampler,
): Promise<{ owed: number; verified: number; readAll: boolean }> {
  const { reader, push } = pushed;
  if (options.halfClose) {
    sampler.mark("FIN");
    reader.finish();
  }
  const owed = ReplyVerifier.totalFor(ctx.book, seed, push.questions, options.favourite);
  const verifier = new ReplyVerifier(ctx.book, seed, options.favourite);
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
  if (verifier.mismatch)
    throw mismatchOf(
      reader.id,
      verifier,
      new Violation("FLOW-1", "every reply exactly once, in order, byte for byte", verifier.mismatch),
    );
  if (verifier.verified < target) {
    const { rule, how } = shortRead(ctx, pushed, outcome, verifier, options.halfClose ?? false);
    throw new Violation(
      rule,
      `${formatSize(target)} of replies once the client reads (${push.questions} questions pipelined)`,
      `${formatSize(verifier.verified)} (${verifier.verified} of ${target} bytes)${verifier.midReply ? " (ending inside a reply)" : ""}, then ${how}`,
    );
  }
  return { owed, verified: verifier.verified, readAll };
}

/** Phase 6: after the owed replies, nothing more; after a FIN, the close (HALF-1). */
async function checkEnding(
  ctx: CaseContext,
  reader: WireClient,
  owed: number,
  halfClose: boolean,
  readAll: boolean,
) {
  const extra = (): Violation =>
    new Violation(
      "ANSWER-1",
      `exactly ${owed} bytes of replies`,
      `${reader.receivedCount - owed} more bytes`,
    );
  if (halfClose) {
    const end = await reader.waitForEnd(Math.max(ctx.waitMs, ctx.floorMs));
    if (end !== "done")
      throw new Violation(
        "HALF-1",
        "the server to close the connection after the last owed reply following the client's FIN",
        "the connection stayed open",
      );
    if (reader.receivedCount > owed) throw extra();
  } else if (readAll) {
    const quiet = await reader.waitUntil(() => reader.receivedCount > owed, 200);
    if (quiet === "done") throw extra();
  }
}

/** The verifier's first differing byte, on the violation it explains. */
function mismatchOf(conn: number, verifier: ReplyVerifier, violation: Violation): Violation {
  return verifier.mismatchAt ? withMismatch(violation, { conn, ...verifier.mismatchAt }) : violation;
}

export interface SlowReaderResult {
  readonly evidence: Record<string, number | string>;
  /** Bytes pushed, bytes of replies received and the server's RSS over time. */
  readonly samples: FlowSamples;
}

/**
 * A client pipelines and reads nothing until its writes stall; meanwhile another client is
 * answered; then it reads, and every reply must arrive once, in order. Sampled all along.
 */
export async function slowReader(
  ctx: CaseContext,
  env: RunEnv,
  seed: number,
  options: SlowReaderOptions,
): Promise<SlowReaderResult> {
  const { result, samples } = await withFlowSampler(
    () => env.log.now(),
    (sampler) => slowReaderPhases(ctx, env, seed, options, sampler),
  );
  return { evidence: result, samples };
}

async function slowReaderPhases(
  ctx: CaseContext,
  env: RunEnv,
  seed: number,
  options: SlowReaderOptions,
  sampler: FlowSampler,
): Promise<Record<string, number | string>> {
  const pushed = await pushWithoutReading(ctx, env, seed, options, sampler);
  const { reader, push } = pushed;
  if (reader.ended) {
    throw new Violation(
      "FLOW-1",
      "the connection to stay open while the client pipelines without reading",
      `the server ${reader.eof ? "closed it" : `reset it (${reader.peerError})`} after ${formatSize(push.pushed)}`,
    );
  }
  if (!options.halfClose && !push.stalled) await judgeNoStall(ctx, pushed, seed, sampler, options.favourite);
  checkMemory(pushed);
  await serveTheOther(ctx, pushed);
  const read = await readBack(ctx, env, pushed, seed, options, sampler);
  await checkEnding(ctx, reader, read.owed, options.halfClose ?? false, read.readAll);
  return { ...evidenceOf(pushed), replyBytesOwed: read.owed, replyBytesVerified: read.verified };
}

export const flowCases: ConformanceCase[] = [
  scenario({
    id: "flow.slow-reader",
    title:
      "A client that pipelines and reads nothing: the server stops reading, serves others, loses nothing",
    section: "7.2",
    rules: ["FLOW-2", "FLOW-1", "FLOW-3", "FAIR-1", "RESOURCE-3"],
    async run(ctx, env, seed) {
      const { evidence, samples } = await slowReader(ctx, env, seed, { capBytes: CAP_BYTES });
      return {
        message: `${formatSize(Number(evidence.pushedBytes))} pushed before the writes stalled; ${formatSize(Number(evidence.replyBytesVerified))} of replies verified`,
        evidence,
        samples,
      };
    },
  }),
  scenario({
    id: "flow.amplification",
    title: "Short questions with long answers: the server stops reading past its high-water mark",
    section: "7.2",
    rules: ["FLOW-2", "FLOW-1", "FAIR-1", "RESOURCE-3"],
    async run(ctx, env, seed) {
      const favourite = costliestQuestion(ctx);
      const { evidence, samples } = await slowReader(ctx, env, seed, { capBytes: CAP_BYTES, favourite });
      return {
        message: `question ${favourite + 1} (the costliest) asked 3 times in 4; ${formatSize(Number(evidence.pushedBytes))} pushed before the stall`,
        evidence,
        samples,
      };
    },
  }),
];
