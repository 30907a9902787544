/** Judging what came back against the oracle, with messages of the form "expected ..., got ...". */
import { LIMITS } from "@bridgekeeper/spec";
import { around, escapeBytes, excerptAt, firstDifference } from "./bytes.js";
import type { CaseContext } from "./case.js";
import type { WaitOutcome, WireClient } from "./client.js";
import { type Diagnosis, diagnose } from "./diagnosis.js";
import { type ExpectedReply, expectedReplies } from "./model.js";
import { Violation, withMismatch } from "./verdicts.js";

/** Which rule a wrong reply breaks, by what the oracle expected there. */
/** The missing reply is one to an unknown question, and this target answered none before the cases. */
const UNKNOWN_NOT_ANSWERED: Diagnosis = {
  id: "unknown-not-answered",
  rule: "UNKNOWN-1",
  explanation:
    "the first missing reply is one to an unknown question, and this server answered none before the cases (the connection closed, was reset or went silent)",
};

const UNKNOWN_NOT_ANSWERED_AFTER: Diagnosis = {
  ...UNKNOWN_NOT_ANSWERED,
  explanation:
    "the connection ended with a reply to an unknown question still to come, and this server answered no unknown question before the cases: it ends the connection at one, losing the replies read with it",
};

/**
 * Missing replies a server that answers no unknown question explains: the first missing one is to
 * an unknown question, or the connection ended with one still to come (a server that ends the
 * connection at an unknown question loses the replies to the questions read with it).
 */
function unknownExplains(
  ctx: CaseContext,
  replies: readonly ExpectedReply[],
  firstMissing: number,
  outcome: WaitOutcome,
): Diagnosis | undefined {
  if (ctx.unknownAnswered) return undefined;
  if (replies[firstMissing]?.kind === "unknown") return UNKNOWN_NOT_ANSWERED;
  const later = outcome === "closed" && replies.slice(firstMissing).some((r) => r.kind === "unknown");
  return later ? UNKNOWN_NOT_ANSWERED_AFTER : undefined;
}

function ruleForReply(reply: ExpectedReply | undefined, fallback: string): string {
  if (!reply) return fallback;
  if (reply.kind === "unknown") return "UNKNOWN-1";
  if (reply.kind === "too-long") return "LIMIT-QUESTION-2";
  return fallback;
}

/** The diagnoses of a connection that went unserved because others were being served. */
export const ONE_AT_A_TIME = "one-client-at-a-time";
export const BLOCKED_BEHIND = "blocked-behind-other-connections";

/**
 * One client served at a time: this connection got nothing, while one opened before it, still
 * open, was answered.
 */
function oneAtATime(client: WireClient, concurrencyRule: string): Diagnosis | undefined {
  if (client.receivedCount > 0) return undefined;
  const served = client
    .companions()
    .find((other) => other.id < client.id && !other.ended && other.receivedCount > 0);
  if (!served) return undefined;
  return {
    id: ONE_AT_A_TIME,
    rule: concurrencyRule,
    explanation: `c${client.id} got no reply while c${served.id}, opened before it and still open, was answered: one client is served at a time`,
  };
}

/**
 * A launched server with no descriptor left, holding far more than the suite's open connections,
 * cannot accept or serve: what it kept of ended connections is the cause (RESOURCE-1).
 */
async function outOfDescriptors(ctx: CaseContext, client: WireClient): Promise<Diagnosis | undefined> {
  const evidence = await ctx.target.processEvidence();
  if (evidence?.descriptorHeadroom === undefined || evidence.descriptorHeadroom > 1) return undefined;
  const open = client.openToServer();
  if (evidence.fds < open + LEAK_EVIDENCE) return undefined;
  return {
    id: "out-of-descriptors",
    rule: "RESOURCE-1",
    explanation: `the server is out of descriptors (${evidence.fds} open, ${evidence.descriptorHeadroom} more allowed, while the suite holds ${open} connections to it): it kept those of connections that had ended`,
  };
}

/** Descriptors past the suite's open connections that show a leak rather than load. */
const LEAK_EVIDENCE = 64;

/** A short moment for bytes already on their way: max(100 ms, 20 x RTT), at most the progress wait. */
function settleMsFor(ctx: CaseContext): number {
  return Math.min(ctx.waitMs, Math.max(100, Math.ceil(20 * ctx.rttMs)));
}

/** The fault of a server that had not come to a connection while the cases beside held others. */
export function blockedBehind(what: string, others: number, rule = "FAIR-1"): Diagnosis {
  return {
    id: BLOCKED_BEHIND,
    rule,
    explanation: `${what}, while ${others} connections of the cases running beside this one were open: the server serves a bounded number of clients at a time`,
  };
}

/**
 * Served behind other cases' connections: this connection got nothing in the wait while
 * connections of cases running beside this one were open, and a fresh connection gets no reply
 * either, or gets one only as this connection's replies come, after the wait.
 */
async function blockedBehindOthers(
  ctx: CaseContext,
  client: WireClient,
  concurrencyRule: string,
): Promise<Diagnosis | undefined> {
  if (client.receivedCount > 0) return undefined;
  const others = client.openBesideCase;
  if (others <= 0) return undefined;
  const probe = await client.openSibling().catch(() => undefined);
  if (!probe) return undefined;
  try {
    await probe.send(ctx.book.questions[0] as Buffer);
    const answered = (await probe.waitForBytes(1, ctx.waitMs)) === "done";
    // Served in turn, this connection's reply comes about when the fresh one's does.
    if (answered) await client.waitForBytes(1, settleMsFor(ctx));
    if (answered && client.receivedCount === 0) return undefined;
    const what = answered
      ? `c${client.id} got its first reply only after the wait, as a fresh connection, c${probe.id}, was served`
      : `neither c${client.id} nor a fresh connection, c${probe.id}, got a reply`;
    return blockedBehind(what, others, concurrencyRule);
  } finally {
    probe.destroy();
  }
}

/** The violation, named by the fault that explains what came back on this connection, if any. */
function diagnosed(
  ctx: CaseContext,
  client: WireClient,
  violation: Violation,
  concurrencyRule: string,
): Violation {
  const fault =
    (violation.kind === "missing" ? oneAtATime(client, concurrencyRule) : undefined) ??
    (client.writesComplete
      ? diagnose(
          {
            writes: client.writes,
            receivedAtWrite: client.receivedAtWrite,
            finSent: client.finSent,
            received: client.received,
            serverEnded: client.eof || client.peerError !== null,
            book: ctx.book,
            maxQuestion: ctx.limits.maxQuestion,
            questionDeclared: ctx.limits.questionDeclared,
            tableAnswered: ctx.tableAnswered,
          },
          violation.rule,
        )
      : undefined);
  return fault ? violation.diagnosed(fault) : violation;
}

/** Locates the reply that covers byte `offset` of the concatenated replies. */
function replyAt(
  replies: readonly ExpectedReply[],
  offset: number,
): { index: number; reply: ExpectedReply | undefined } {
  let at = 0;
  for (let i = 0; i < replies.length; i++) {
    const reply = replies[i] as ExpectedReply;
    if (offset < at + reply.reply.length) return { index: i, reply };
    at += reply.reply.length;
  }
  return { index: replies.length, reply: undefined };
}

export interface ExpectRepliesOptions {
  /** Byte offset in the client's received stream where these replies start. */
  readonly from?: number;
  /** The rule a wrong table answer breaks (ANSWER-1, ANSWER-2, FRAME-4, ...). */
  readonly rule: string;
  /** The rule a missing reply (silence or close) breaks, when not the reply's own (too-long keeps LIMIT-QUESTION-2). */
  readonly silenceRule?: string;
  /** Describes the situation for messages, e.g. "after 3 pipelined questions". */
  readonly situation?: string;
  /** The rule a server that serves one client at a time breaks here (default FAIR-1; CONN-1 for the connection limit). */
  readonly concurrencyRule?: string;
  /** False where the situation explains a missing reply better than any fault (a server out of descriptors). */
  readonly diagnose?: boolean;
}

/**
 * Waits until the replies arrive and checks them byte for byte: nothing missing, nothing added,
 * nothing reordered. Returns the offset just past them.
 */
export async function expectReplies(
  ctx: CaseContext,
  client: WireClient,
  replies: readonly ExpectedReply[],
  options: ExpectRepliesOptions,
): Promise<number> {
  try {
    return await checkReplies(ctx, client, replies, options);
  } catch (error) {
    if (!(error instanceof Violation) || error.diagnosis || options.diagnose === false) throw error;
    const rule = options.concurrencyRule ?? "FAIR-1";
    const found = diagnosed(ctx, client, error, rule);
    if (found !== error || error.kind !== "missing") throw found;
    const cause = (await outOfDescriptors(ctx, client)) ?? (await blockedBehindOthers(ctx, client, rule));
    throw cause ? error.diagnosed(cause) : error;
  }
}

/**
 * Waits for the replies, or until what came differs from them: then only a short moment more (the
 * rest of a wrong reply is already on its way), so that a wrong server costs no progress wait.
 */
async function waitForReplies(ctx: CaseContext, client: WireClient, from: number, expected: Buffer) {
  const end = from + expected.length;
  let checked = 0;
  const differs = (): boolean => {
    const got = client.received;
    const upTo = Math.min(got.length - from, expected.length);
    for (; checked < upTo; checked++) if (got[from + checked] !== expected[checked]) return true;
    return false;
  };
  const outcome = await client.waitUntil(() => client.receivedCount >= end || differs(), ctx.waitMs);
  if (outcome !== "done" || client.receivedCount >= end) return outcome;
  return client.waitForBytes(end, settleMsFor(ctx));
}

async function checkReplies(
  ctx: CaseContext,
  client: WireClient,
  replies: readonly ExpectedReply[],
  options: ExpectRepliesOptions,
): Promise<number> {
  const from = options.from ?? 0;
  const expected = Buffer.concat(replies.map((r) => r.reply));
  const end = from + expected.length;
  const outcome = await waitForReplies(ctx, client, from, expected);
  const got = client.received.subarray(from);
  const situation = options.situation ? ` ${options.situation}` : "";
  const difference = firstDifference(expected, got.subarray(0, expected.length));
  if (difference >= 0 && difference < got.length) {
    const { index, reply } = replyAt(replies, difference);
    throw withMismatch(
      new Violation(
        ruleForReply(reply, options.rule),
        `reply ${index + 1} of ${replies.length}${situation} to be ${escapeBytes(reply?.reply ?? Buffer.alloc(0))} (for the bytes ${escapeBytes(reply?.raw ?? Buffer.alloc(0), 60)})`,
        `${around(got, difference)} (first difference at byte ${difference} of the replies)`,
      ),
      {
        conn: client.id,
        offset: from + difference,
        expected: excerptAt(expected, difference),
        got: excerptAt(got, difference),
      },
    );
  }
  if (got.length < expected.length) {
    const { index, reply } = replyAt(replies, got.length);
    const how =
      outcome === "closed"
        ? `the server ${client.eof ? "closed the connection" : `reset the connection (${client.peerError})`}`
        : `no further byte for ${(ctx.waitMs / 1000).toFixed(1)} s`;
    const missing = new Violation(
      options.silenceRule !== undefined && reply?.kind !== "too-long"
        ? options.silenceRule
        : ruleForReply(reply, options.rule),
      `${expected.length} bytes of replies${situation} (reply ${index + 1} of ${replies.length}: ${escapeBytes(reply?.reply ?? Buffer.alloc(0))})`,
      `${got.length} bytes, then ${how}`,
      "missing",
    );
    const unknownCause = unknownExplains(ctx, replies, index, outcome);
    throw withMismatch(unknownCause ? missing.diagnosed(unknownCause) : missing, {
      conn: client.id,
      offset: from + got.length,
      expected: excerptAt(expected, got.length),
      got: `(nothing: ${how})`,
    });
  }
  if (got.length > expected.length) {
    throw withMismatch(
      new Violation(
        "ANSWER-1",
        `exactly ${expected.length} bytes of replies${situation}, nothing added`,
        `${got.length - expected.length} more bytes: ${escapeBytes(got.subarray(expected.length), 80)}`,
      ),
      {
        conn: client.id,
        offset: from + expected.length,
        expected: "(nothing more)",
        got: excerptAt(got, expected.length),
      },
    );
  }
  return end;
}

/** Checks that no byte arrives for `ms` (the server must stay silent). */
export async function expectSilence(
  client: WireClient,
  from: number,
  ms: number,
  rule: string,
  situation: string,
): Promise<void> {
  await client.waitUntil(() => client.receivedCount > from, ms);
  if (client.receivedCount > from) {
    throw new Violation(rule, `no reply ${situation}`, `${escapeBytes(client.received.subarray(from), 80)}`);
  }
}

/** Waits for the server to close (FIN or reset) after everything owed. */
export async function expectClose(
  ctx: CaseContext,
  client: WireClient,
  rule: string,
  situation: string,
): Promise<void> {
  const outcome = await client.waitForEnd(Math.max(ctx.waitMs, ctx.floorMs));
  if (outcome !== "done") {
    throw new Violation(
      rule,
      `the server to close the connection ${situation}`,
      `it stayed open for ${(Math.max(ctx.waitMs, ctx.floorMs) / 1000).toFixed(1)} s`,
    );
  }
}

/** Checks that the connection is still open and usable: a lock-step question is answered. */
export async function expectUsable(
  ctx: CaseContext,
  client: WireClient,
  from: number,
  rule: string,
  situation: string,
  options: Pick<ExpectRepliesOptions, "diagnose"> = {},
): Promise<number> {
  const question = ctx.book.questions[0] as Buffer;
  const answer = ctx.book.answers[0] as Buffer;
  if (client.ended) {
    throw new Violation(
      rule,
      `the connection to stay open ${situation}`,
      client.eof ? "the server closed it" : `it was reset (${client.peerError})`,
      "missing",
    );
  }
  await client.send(question);
  return expectReplies(ctx, client, [{ question, raw: question, reply: answer, kind: "answer" }], {
    from,
    rule,
    situation: `to a table question ${situation}`,
    ...options,
  });
}

/**
 * A lock-step conversation: sends each question, then checks its replies before sending the next.
 * Returns the offset just past the last reply.
 */
export async function askInLockStep(
  ctx: CaseContext,
  client: WireClient,
  questions: readonly Buffer[],
  options: { rule: string; from?: number; situation: string | ((question: Buffer) => string) },
): Promise<number> {
  let offset = options.from ?? 0;
  for (const question of questions) {
    await client.send(question);
    const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
    const situation = typeof options.situation === "string" ? options.situation : options.situation(question);
    offset = await expectReplies(ctx, client, replies, { from: offset, rule: options.rule, situation });
  }
  return offset;
}

/** A connection the server ended before it had been idle for 0.9 x I (the floor when undeclared): IDLE-1. */
export function closedForIdleness(
  ctx: CaseContext,
  client: WireClient,
  idleMs: number,
): Violation | undefined {
  const timeoutMs = (ctx.limits.idleTimeoutSec ?? LIMITS.idleTimeoutSeconds.floor) * 1000;
  if (!client.ended || idleMs >= 0.9 * timeoutMs) return undefined;
  return new Violation(
    "IDLE-1",
    `a connection kept open for at least the idle timeout (${timeoutMs / 1000} s) after its last reply`,
    `the server ${client.eof ? "closed it" : `reset it (${client.peerError})`} within ${(idleMs / 1000).toFixed(1)} s`,
    "missing",
  );
}
