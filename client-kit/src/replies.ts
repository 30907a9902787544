/**
 * A streaming check of replies as they arrive, split anywhere, against the replies owed in a known
 * order: every byte compared, nothing kept but a position. A reply ends at its '.' (ANSWER-2:
 * replies are matched by counting '.' bytes): one that differs is counted wrong, the first
 * difference is kept, and checking goes on from the next reply, so a load generator can count
 * wrong replies while a conformance check stops at the first.
 */
import type { QuestionOrder } from "./questions.js";

const ANSWER_END = 0x2e; // "."

/** Where the received stream first differed from what was owed. */
export interface ReplyMismatch {
  /** Offset in the whole received stream. */
  readonly offset: number;
  /** Which reply (0-based) it was in, and the byte of that reply. */
  readonly reply: number;
  readonly byteInReply: number;
  /** The owed reply, and what came instead from the differing byte on (a window of each). */
  readonly expected: Uint8Array;
  readonly got: Uint8Array;
}

const WINDOW = 48;

export class ReplyChecker {
  private current: Uint8Array | undefined;
  private position = 0;
  private currentWrong = false;
  /** Bytes received so far. */
  received = 0;
  /** Bytes received that matched what was owed, before the first difference. */
  verified = 0;
  /** Replies complete and byte-exact, and replies that differed. */
  correct = 0;
  wrong = 0;
  /** Replies owed in all, once known (more bytes past them are a mismatch). */
  expectedReplies = Number.POSITIVE_INFINITY;
  mismatch: ReplyMismatch | undefined;

  constructor(
    private readonly replies: readonly Uint8Array[],
    private readonly order: QuestionOrder,
  ) {
    if (replies.length === 0) throw new RangeError("ReplyChecker needs at least one reply");
  }

  /** Consumes bytes [start, end) of `chunk`; returns how many replies ended in them. */
  feed(chunk: Uint8Array, start = 0, end: number = chunk.length): number {
    let completed = 0;
    let at = start;
    while (at < end) {
      if (this.current === undefined) {
        if (this.correct + this.wrong >= this.expectedReplies) {
          this.noteMismatch(new Uint8Array(0), 0, chunk, at, end);
          this.received += end - at;
          return completed;
        }
        this.current = this.replies[this.order.next()] as Uint8Array;
        this.position = 0;
        this.currentWrong = false;
      }
      at = this.currentWrong ? this.skipToEnd(chunk, at, end) : this.compare(chunk, at, end);
      if (this.current !== undefined && this.position === this.current.length && !this.currentWrong) {
        this.correct++;
        completed++;
        this.current = undefined;
      } else if (this.current === undefined) completed++;
    }
    return completed;
  }

  /** Compares as much of the current reply as the chunk holds; on a difference, the reply is wrong. */
  private compare(chunk: Uint8Array, at: number, end: number): number {
    const expected = this.current as Uint8Array;
    const n = Math.min(end - at, expected.length - this.position);
    let i = 0;
    while (i < n && chunk[at + i] === expected[this.position + i]) i++;
    this.received += i;
    if (this.mismatch === undefined) this.verified += i;
    this.position += i;
    if (i === n) return at + n;
    this.currentWrong = true;
    this.noteMismatch(expected, this.position, chunk, at + i, end);
    return at + i;
  }

  /** A wrong reply ends at the server's '.'. */
  private skipToEnd(chunk: Uint8Array, at: number, end: number): number {
    let i = at;
    while (i < end && chunk[i] !== ANSWER_END) i++;
    this.received += i - at;
    if (i === end) return end;
    this.received++;
    this.wrong++;
    this.current = undefined;
    return i + 1;
  }

  private noteMismatch(expected: Uint8Array, byte: number, chunk: Uint8Array, at: number, end: number): void {
    if (this.mismatch !== undefined) return;
    this.mismatch = {
      offset: this.received,
      reply: this.correct + this.wrong,
      byteInReply: byte,
      expected: expected.slice(byte, byte + WINDOW),
      got: chunk.slice(at, Math.min(end, at + WINDOW)),
    };
  }

  /** Every owed reply arrived, exact, and nothing more. */
  get complete(): boolean {
    return this.mismatch === undefined && this.correct === this.expectedReplies && this.current === undefined;
  }

  /** The bytes received so far end inside a reply (a reply cut short). */
  get midReply(): boolean {
    return this.current !== undefined && this.position > 0;
  }

  /** Bytes of the reply in progress matched so far (0 between replies). */
  get partialBytes(): number {
    return this.current === undefined ? 0 : this.position;
  }

  /** Replies seen to their end so far, right or wrong. */
  get answered(): number {
    return this.correct + this.wrong;
  }

  /** The first difference as one line, for messages that need no formatting of their own. */
  describeMismatch(): string | undefined {
    const m = this.mismatch;
    if (m === undefined) return undefined;
    const text = (bytes: Uint8Array): string => JSON.stringify(Buffer.from(bytes).toString("latin1"));
    return `reply ${m.reply} differs at its byte ${m.byteInReply} (stream byte ${m.offset}): expected ${text(m.expected)}, got ${text(m.got)}`;
  }
}
