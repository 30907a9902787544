/** Spec section 7: flow control (FLOW-1..3), fairness (FAIR-1) and memory per connection (RESOURCE-3). */
import { formatSize } from "../bytes.js";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { expectUsable } from "../checks.js";
import { type FlowSampler, type FlowSamples, withFlowSampler } from "../samples.js";
import { pushUntilStall, QuestionChunker, ReplyVerifier } from "../stream.js";
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

export interface SlowReaderResult {
  readonly evidence: Record<string, number | string>;
  /** Bytes pushed, bytes of replies received and the server's RSS, every 100 ms. */
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
    (sampler) => slowReaderRun(ctx, env, seed, options, sampler),
  );
  return { evidence: result, samples };
}

async function slowReaderRun(
  ctx: CaseContext,
  env: RunEnv,
  seed: number,
  options: SlowReaderOptions,
  sampler: FlowSampler,
): Promise<Record<string, number | string>> {
  const reader = await env.clients.open({ keep: false, logReceived: false });
  const other = await env.clients.open();
  reader.stopReading();
  const before = await ctx.target.processEvidence();
  let otherOffset = await expectUsable(ctx, other, 0, "FAIR-1", "on a second connection before the push");
  const chunker = new QuestionChunker(ctx.book, seed, options.favourite);
  sampler.start({
    pushedBytes: () => chunker.bytes - reader.unsentBytes,
    replyBytes: () => reader.receivedCount,
    rssBytes: async () => (await ctx.target.processEvidence())?.rssBytes ?? null,
  });
  // After a FIN every owed reply must be read back: keep that under FULL_READ_LIMIT / 2.
  const capBytes = options.halfClose
    ? Math.max(
        64 * 1024,
        Math.min(options.capBytes, Math.floor(FULL_READ_LIMIT / 2 / replyRatio(ctx, options.favourite))),
      )
    : options.capBytes;
  env.log.note(
    `c${reader.id} pipelines seeded questions (seed ${seed}) in 64 KiB writes, reading nothing, until its writes stall for ${ctx.floorMs} ms (cap ${formatSize(capBytes)})`,
  );
  const push = await pushUntilStall(reader, chunker, capBytes, ctx.floorMs, ctx.signal);
  const pushedAt = performance.now();
  // pushUntilStall waited the quiet floor for a 'drain' before it called the writes stalled.
  if (push.stalled) sampler.mark("writes stalled", env.log.now() - ctx.floorMs);
  env.log.add(reader.id, push.stalled ? "stall" : "note", {
    text: `${formatSize(push.pushed)} pushed (${push.questions} questions) in ${(push.ms / 1000).toFixed(1)} s`,
  });
  const during = await ctx.target.processEvidence();
  const evidence: Record<string, number | string> = {
    pushedBytes: push.pushed,
    questions: push.questions,
    stalled: String(push.stalled),
    pushMs: Math.round(push.ms),
  };
  if (before && during) {
    evidence.rssBeforeBytes = before.rssBytes;
    evidence.rssStalledBytes = during.rssBytes;
  }
  if (reader.ended) {
    throw new Violation(
      "FLOW-1",
      "the connection to stay open while the client pipelines without reading",
      `the server ${reader.eof ? "closed it" : `reset it (${reader.peerError})`} after ${formatSize(push.pushed)}`,
    );
  }
  if (!options.halfClose && !push.stalled) {
    // A server that kept reading may simply not be answering as the spec says (then it never held
    // much output): look at the first replies before blaming the bounded-buffering rule.
    const check = new ReplyVerifier(ctx.book, seed, options.favourite);
    check.attach(reader);
    sampler.mark("client reads");
    reader.resumeReading();
    await reader.waitUntil(() => check.mismatch !== null || check.verified >= 1024 * 1024, ctx.floorMs);
    if (check.mismatch) {
      throw mismatchOf(
        reader.id,
        check,
        new Violation(
          "ANSWER-2",
          "the replies to pipelined questions, in order, byte for byte",
          check.mismatch,
        ),
      );
    }
    throw new Violation(
      "FLOW-2",
      `the client's writes to stall once the server holds more than its high-water mark of replies (and stops reading)`,
      `${formatSize(push.pushed)} of pipelined questions accepted without a stall while the client read nothing: the server kept reading`,
    );
  }
  if (before && during) {
    const growth = during.rssBytes - before.rssBytes;
    if (growth > MEMORY_SLACK && growth > push.pushed / 2) {
      throw new Violation(
        "RESOURCE-3",
        `memory per connection bounded (RSS growth at most ${formatSize(MEMORY_SLACK)} or half the bytes pushed)`,
        `RSS grew by ${formatSize(growth)} while a client pushed ${formatSize(push.pushed)} and read nothing`,
      );
    }
  }
  // FAIR-1: the other client is served while the first is stalled.
  for (let i = 0; i < 3; i++)
    otherOffset = await expectUsable(
      ctx,
      other,
      otherOffset,
      "FAIR-1",
      "on another connection while one client is not reading",
    );
  if (options.halfClose) {
    sampler.mark("FIN");
    reader.finish();
  }
  const owed = ReplyVerifier.totalFor(ctx.book, seed, push.questions, options.favourite);
  const verifier = new ReplyVerifier(ctx.book, seed, options.favourite);
  verifier.expectedTotal = owed;
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
  const readMs = performance.now() - pushedAt;
  evidence.replyBytesOwed = owed;
  evidence.replyBytesVerified = verifier.verified;
  if (verifier.mismatch)
    throw mismatchOf(
      reader.id,
      verifier,
      new Violation("FLOW-1", "every reply exactly once, in order, byte for byte", verifier.mismatch),
    );
  if (verifier.verified < target) {
    const idleMs = ctx.limits.idleTimeoutSec * 1000;
    if (outcome === "closed" && readMs + ctx.floorMs > idleMs * 0.9) {
      throw new Inconclusive(
        `the server closed the stalled connection after ${(readMs / 1000).toFixed(1)} s, close to its idle timeout of ${ctx.limits.idleTimeoutSec} s; the harness was too slow to judge`,
      );
    }
    const rule =
      // After a FIN, a close before every owed reply is HALF-1 (the wire cannot tell dropped held
      // replies from a lost partial write; a gap in the middle is caught as a mismatch, FLOW-1).
      options.halfClose && outcome === "closed"
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
    throw new Violation(
      rule,
      `${formatSize(target)} of replies once the client reads (${push.questions} questions pipelined)`,
      `${formatSize(verifier.verified)} (${verifier.verified} of ${target} bytes)${verifier.midReply ? " (ending inside a reply)" : ""}, then ${how}`,
    );
  }
  if (options.halfClose) {
    const end = await reader.waitForEnd(Math.max(ctx.waitMs, ctx.floorMs));
    if (end !== "done")
      throw new Violation(
        "HALF-1",
        "the server to close the connection after the last owed reply following the client's FIN",
        "the connection stayed open",
      );
    if (reader.receivedCount > owed)
      throw new Violation(
        "ANSWER-1",
        `exactly ${owed} bytes of replies`,
        `${reader.receivedCount - owed} more bytes`,
      );
  } else if (readAll) {
    const quiet = await reader.waitUntil(() => reader.receivedCount > owed, 200);
    if (quiet === "done")
      throw new Violation(
        "ANSWER-1",
        `exactly ${owed} bytes of replies`,
        `${reader.receivedCount - owed} more bytes`,
      );
  }
  return evidence;
}

/** The verifier's first differing byte, on the violation it explains. */
function mismatchOf(conn: number, verifier: ReplyVerifier, violation: Violation): Violation {
  return verifier.mismatchAt ? withMismatch(violation, { conn, ...verifier.mismatchAt }) : violation;
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
