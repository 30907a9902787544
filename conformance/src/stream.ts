/**
 * Long pipelined streams for the flow cases, on the client toolkit: a seeded sequence of table
 * questions, produced in chunks that end on question boundaries, and a streaming verifier of the
 * replies (hundreds of MiB are checked without being kept), with the suite's own messages.
 */
import * as kit from "@bridgekeeper/client-kit";
import { escapeBytes, excerptAt } from "./bytes.js";
import type { WireClient } from "./client.js";
import { type AnswerBook, TOO_LONG_REPLY } from "./model.js";

function questionSet(book: AnswerBook): kit.QuestionSet {
  return { questions: book.questions, replies: book.answers };
}

/** The seeded order of question indexes (3 in 4 the favourite when given: amplification). */
function seeded(book: AnswerBook, seed: number, favourite?: number): kit.SeededOrder {
  return new kit.SeededOrder(seed, book.questions.length, favourite);
}

/** Produces chunks of whole table questions in a seeded order; counts questions and bytes produced. */
export class QuestionChunker extends kit.QuestionChunker {
  constructor(book: AnswerBook, seed: number, favourite?: number) {
    super(questionSet(book), seeded(book, seed, favourite));
  }
}

/** Checks replies as they arrive against the replies owed for the seeded questions. */
export class ReplyVerifier {
  private readonly checker: kit.ReplyChecker;

  constructor(book: AnswerBook, seed: number, favourite?: number) {
    this.checker = new kit.ReplyChecker(book.answers, seeded(book, seed, favourite));
  }

  /** The number of reply bytes owed for `questions` questions of this sequence. */
  static totalFor(book: AnswerBook, seed: number, questions: number, favourite?: number): number {
    return kit.replyBytesFor(questionSet(book), seeded(book, seed, favourite), questions);
  }

  /** How many whole questions of this sequence fit in its first `bytes` bytes. */
  static questionsWithin(book: AnswerBook, seed: number, bytes: number, favourite?: number): number {
    return kit.questionsWithin(questionSet(book), seeded(book, seed, favourite), bytes);
  }

  feed(chunk: Buffer): void {
    this.checker.feed(chunk);
  }

  /** Bytes verified so far (up to the first difference). */
  get verified(): number {
    return this.checker.verified;
  }

  /** The first difference, as "byte N (reply K) differs: expected ..., got ...", or null. */
  get mismatch(): string | null {
    const m = this.checker.mismatch;
    if (m === undefined) return null;
    return `byte ${m.offset} (reply ${m.reply + 1}) differs: expected ${escapeBytes(m.expected, 24)}, got ${escapeBytes(m.got, 24)}`;
  }

  /** The first differing byte as data: its offset in the replies, what was expected there and what came. */
  get mismatchAt(): { offset: number; expected: string; got: string } | null {
    const m = this.checker.mismatch;
    if (m === undefined) return null;
    return { offset: m.offset, expected: excerptAt(m.expected, 0), got: excerptAt(m.got, 0) };
  }

  /**
   * The first difference is at a reply's first byte and another whole reply of the table came
   * there: the server answered another question than the one sent (it framed the stream
   * differently), rather than losing or repeating bytes of its output.
   */
  anotherReplyAtBoundary(book: AnswerBook): boolean {
    const m = this.checker.mismatch;
    if (m === undefined || m.byteInReply !== 0) return false;
    const got = Buffer.from(m.got);
    const starts = (reply: Buffer): boolean =>
      got.length >= reply.length
        ? got.subarray(0, reply.length).equals(reply)
        : reply.subarray(0, got.length).equals(got);
    return [...book.answers, book.unknownReply, TOO_LONG_REPLY].some(starts);
  }

  /** The reply (0-based) where the first difference is, or null. */
  get mismatchReply(): number | null {
    return this.checker.mismatch?.reply ?? null;
  }

  /** True when the bytes verified so far end inside a reply (a reply was cut short). */
  get midReply(): boolean {
    return this.checker.midReply;
  }

  /** Attaches to a client that keeps no bytes. */
  attach(client: WireClient): void {
    client.onData = (chunk) => this.feed(chunk);
  }
}

export interface PushResult extends kit.PushResult {
  readonly questions: number;
}

/**
 * Pipelines questions on a client that does not read until its writes stall (write() returned
 * false and no 'drain' within `stallMs`) or `capBytes` were written.
 */
export async function pushUntilStall(
  client: WireClient,
  chunker: QuestionChunker,
  capBytes: number,
  stallMs: number,
  signal: AbortSignal,
): Promise<PushResult> {
  const push = await kit.pushUntilStall(
    client.socket,
    () => chunker.chunk(64 * 1024),
    capBytes,
    stallMs,
    signal,
  );
  return { ...push, questions: chunker.questions };
}
