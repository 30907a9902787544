/**
 * Spec section 11: graceful shutdown on SIGTERM (SHUTDOWN-1), launched targets only; runs last.
 *
 * A client pipelines questions and reads nothing until its writes stall, so that the server holds
 * replies it owes; a second client sits idle. Just before SIGTERM the case reads from the kernel's
 * queues (/proc/net/tcp) how many of the client's bytes the server process has really read: the
 * replies to every whole question in them are owed. Then the client reads, and the case judges
 * what the server did: every owed reply, intact; every connection closed; exit status 0 within the
 * shutdown deadline D (declared with --shutdown-timeout, else the spec's ceiling of 30 s). A server
 * that dies at once, or ignores the signal, is judged the same way, with its exit status.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { LIMITS } from "@bridgekeeper/spec";
import { formatSize } from "../bytes.js";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import type { WireClient } from "../client.js";
import { type PushResult, pushUntilStall, QuestionChunker, ReplyVerifier } from "../stream.js";
import { describeStatus, type ExitStatus } from "../target.js";
import { bytesReadByServer } from "../tcp-queues.js";
import type { CaseNote } from "../verdicts.js";
import { Violation } from "../verdicts.js";
import { within } from "../wait.js";
import { checkPipelining, streamMismatch } from "./flow.js";

const PUSH_CAP_BYTES = 32 * 1024 * 1024;
const SIGNAL_SETTLE_MS = 250;

/** What stood before the signal: the clients, the push, and what the server had read of it. */
interface BeforeSignal {
  readonly reader: WireClient;
  readonly idle: WireClient;
  readonly push: PushResult;
  /** Whole questions the server had read (null: its end of the connection is not visible here). */
  readonly questionsRead: number | null;
  readonly owedBytes: number | null;
}

/** What the server did after the signal. */
interface AfterSignal {
  readonly exit: ExitStatus | null;
  readonly exitMs: number;
  readonly verifier: ReplyVerifier;
}

function deadlineSec(ctx: CaseContext): number {
  return ctx.limits.shutdownTimeoutSec ?? LIMITS.shutdownTimeoutSeconds.ceiling;
}

async function pushBeforeSignal(ctx: CaseContext, env: RunEnv, seed: number): Promise<BeforeSignal> {
  // The pipelining the stream relies on, first (a fault there is named by its own rule).
  const probe = await env.clients.open();
  await checkPipelining(ctx, probe, { book: ctx.book, favourite: undefined, seed });
  probe.destroy();
  const reader = await env.clients.open({ keep: false, logReceived: false });
  const idle = await env.clients.open();
  reader.stopReading();
  const push = await pushUntilStall(
    reader,
    new QuestionChunker(ctx.book, seed),
    PUSH_CAP_BYTES,
    Math.min(ctx.floorMs, 1000),
    ctx.signal,
  );
  const read = await bytesReadByServer(reader.localPort, ctx.target.port, push.pushed - reader.unsentBytes);
  const questionsRead = read === null ? null : ReplyVerifier.questionsWithin(ctx.book, seed, read);
  const owedBytes = questionsRead === null ? null : ReplyVerifier.totalFor(ctx.book, seed, questionsRead);
  env.log.note(
    `c${reader.id} pipelined ${formatSize(push.pushed)} (${push.questions} questions) and read nothing; ` +
      (read === null
        ? "the server's end of the connection is not visible in /proc/net/tcp"
        : `the server had read ${formatSize(read)}: ${questionsRead} whole questions, ${formatSize(owedBytes ?? 0)} of replies owed`),
  );
  return { reader, idle, push, questionsRead, owedBytes };
}

async function signalAndWatch(
  ctx: CaseContext,
  env: RunEnv,
  before: BeforeSignal,
  seed: number,
): Promise<AfterSignal> {
  const verifier = new ReplyVerifier(ctx.book, seed);
  verifier.attach(before.reader);
  const waitForExitMs = (deadlineSec(ctx) + Math.max(5, ctx.floorMs / 1000)) * 1000;
  env.log.note(`SIGTERM to the target; c${before.reader.id} reads from now on`);
  const sent = performance.now();
  let exitMs = waitForExitMs;
  const exited = within(
    ctx.target.exited().then((status) => {
      exitMs = performance.now() - sent;
      return status;
    }),
    waitForExitMs,
  );
  await ctx.target.signal("SIGTERM");
  // Reading only once the server had a moment to act on the signal keeps what it reads after the
  // count above small; whatever it reads meanwhile only adds replies it may send.
  await sleep(SIGNAL_SETTLE_MS);
  before.reader.resumeReading();
  await before.reader.waitUntil(() => verifier.mismatch !== null || before.reader.ended, ctx.waitMs);
  const exit = await exited;
  await before.idle.waitForEnd(ctx.floorMs);
  return { exit, exitMs, verifier };
}

function howItEnded(client: WireClient): string {
  if (client.peerError !== null) return `reset (${client.peerError})`;
  return client.eof ? "closed" : "still open";
}

/** Every way the server fell short of SHUTDOWN-1, as short phrases (empty: it met the rule). */
function shortfalls(ctx: CaseContext, before: BeforeSignal, after: AfterSignal): string[] {
  const problems: string[] = [];
  const { verifier, exit } = after;
  const received = verifier.verified;
  if (verifier.mismatch) problems.push(`a wrong reply: ${verifier.mismatch}`);
  else if (before.owedBytes !== null && received < before.owedBytes)
    problems.push(
      `${formatSize(received)} of the ${formatSize(before.owedBytes)} of replies owed for the ${before.questionsRead} questions it had read (${received} of ${before.owedBytes} bytes), then the connection was ${howItEnded(before.reader)}`,
    );
  else if (before.owedBytes === null && received === 0) problems.push("no reply at all after SIGTERM");
  else if (verifier.midReply) problems.push("the last reply cut short");
  if (exit === null)
    problems.push(`the process still running ${(after.exitMs / 1000).toFixed(1)} s after SIGTERM`);
  else if (exit.code !== 0 || exit.signal !== null)
    problems.push(`the process ${describeStatus(exit)} ${(after.exitMs / 1000).toFixed(1)} s after SIGTERM`);
  else if (after.exitMs > deadlineSec(ctx) * 1000 + Math.max(5000, ctx.floorMs))
    problems.push(`exit status 0 only after ${(after.exitMs / 1000).toFixed(1)} s`);
  const open = [
    ...(before.reader.ended ? [] : ["the one that was owed replies"]),
    ...(before.idle.ended ? [] : ["the idle one"]),
  ];
  if (open.length > 0) problems.push(`connections left open: ${open.join(" and ")}`);
  return problems;
}

function judgeShutdown(ctx: CaseContext, before: BeforeSignal, after: AfterSignal): CaseNote {
  const evidence: Record<string, number | string> = {
    pushedBytes: before.push.pushed,
    questionsReadByServer: before.questionsRead ?? "not visible",
    replyBytesOwed: before.owedBytes ?? "not visible",
    replyBytesReceived: after.verifier.verified,
    exitMs: Math.round(after.exitMs),
    exit: after.exit === null ? "still running" : describeStatus(after.exit),
  };
  const { verifier } = after;
  const mismatchAt = verifier.mismatchReply;
  if (mismatchAt !== null && before.questionsRead !== null && mismatchAt < before.questionsRead)
    throw streamMismatch(
      before.reader.id,
      verifier,
      ctx.book,
      `the replies owed for the ${before.questionsRead} questions it had read, byte for byte`,
    );
  const problems = shortfalls(ctx, before, after);
  if (problems.length > 0) {
    const owed =
      before.questionsRead === null
        ? "the replies owed for the questions it had read"
        : `the replies owed for the ${before.questionsRead} questions it had read (${formatSize(before.owedBytes ?? 0)})`;
    const deadline = ctx.limits.shutdownTimeoutSec
      ? `its declared deadline of ${deadlineSec(ctx)} s`
      : `the spec's ceiling of ${deadlineSec(ctx)} s (declare --shutdown-timeout to judge a shorter one)`;
    const violation = new Violation(
      "SHUTDOWN-1",
      `${owed}, every connection closed, and exit status 0 within ${deadline} of SIGTERM`,
      problems.join("; "),
    );
    violation.evidence = evidence;
    throw violation;
  }
  return {
    message: `exit 0 after ${(after.exitMs / 1000).toFixed(1)} s; ${formatSize(after.verifier.verified)} of replies delivered after SIGTERM (${formatSize(before.owedBytes ?? 0)} owed for the questions it had read)`,
    evidence,
  };
}

export const shutdownCases: ConformanceCase[] = [
  scenario({
    id: "shutdown.graceful",
    title: "SIGTERM: owed replies delivered, connections closed, exit 0 within the deadline",
    section: "11",
    rules: ["SHUTDOWN-1"],
    launchedOnly: true,
    last: true,
    stopsTarget: true,
    async run(ctx, env, seed) {
      const before = await pushBeforeSignal(ctx, env, seed);
      const after = await signalAndWatch(ctx, env, before, seed);
      return judgeShutdown(ctx, before, after);
    },
  }),
];
