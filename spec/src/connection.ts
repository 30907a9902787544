/**
 * The sans-I/O protocol core: one client connection, bytes in, bytes out, no sockets, no timers.
 *
 * Theory of operation. A server hands every received chunk to `receive()`, the client's FIN to
 * `receiveEnd()`, and a graceful shutdown to `stopInput()`. Nothing is parsed there: input is
 * parsed lazily by `pull(budget)`, which returns at most `budget` bytes of replies, parsing only as
 * many questions as it needs. So the server decides how much output exists at any time: it pulls
 * while the output it holds is under its high-water mark (FLOW-2) and stops reading from the socket
 * while `hasOutput` says more is ready than it was willing to take. Memory per connection is then
 * bounded by the unparsed input (the last read or two), one unfinished question (at most Q bytes,
 * copied) and the slice of the answer being emitted (answers are the table's own bytes, never
 * copied). `hasOutput`, `done` and `state` only look: they parse nothing and count nothing.
 *
 * States (`state`):
 * - "reading": questions come in and are answered;
 * - "ended": the client's FIN arrived; complete questions already received are still answered, an
 *   unfinished one is dropped (HALF-2);
 * - "stopped": the server stopped taking input (graceful shutdown, SHUTDOWN-1); complete questions
 *   already received are still answered, nothing more is taken;
 * - "failed": a question passed the limit; the too-long reply is the last output (LIMIT-QUESTION-2).
 * In every state but "reading", `done` turns true once no further output can come: the server then
 * closes after flushing what it holds, at once when `clientEnded`, else after a half-close.
 */
import { isSeparator, LIMITS, QUESTION_END, TOO_LONG_REPLY, UNKNOWN_REPLY } from "./constants.js";
import { LimitError } from "./errors.js";
import type { QuestionTable } from "./table.js";

/** What a connection has seen; a server passes one shared object to total all its connections. */
export interface ProtocolCounters {
  /** Questions found in the table and answered. */
  answered: number;
  /** Questions not in the table (UNKNOWN-1). */
  unknown: number;
  /** Connections ended by an over-long question (LIMIT-QUESTION-2). */
  tooLong: number;
}

export function newCounters(): ProtocolCounters {
  return { answered: 0, unknown: 0, tooLong: 0 };
}

export interface ConnectionOptions {
  /** Q, the longest question accepted; within the spec's floor and ceiling. */
  readonly maxQuestionBytes?: number;
  /** Counters to add to. */
  readonly counters?: ProtocolCounters;
}

const EMPTY = new Uint8Array(0);

/** Where a connection stands; see the theory of operation above. */
export type ConnectionState = "reading" | "ended" | "stopped" | "failed";

export class LauncelotConnection {
  private readonly table: QuestionTable;
  private readonly maxQuestion: number;
  private readonly counters: ProtocolCounters;

  /** Received chunks not yet parsed; `chunkPos` is the parse position in the first one. */
  private readonly chunks: Uint8Array[] = [];
  private chunkPos = 0;
  private unparsed = 0;

  /** The unfinished question's bytes so far (copied: at most Q bytes are ever kept). */
  private partial: Uint8Array = EMPTY;
  private partialLength = 0;

  /** The reply being emitted and how much of it has been pulled already. */
  private current: Uint8Array | undefined;
  private currentPos = 0;

  /** The client's FIN arrived. */
  private finReceived = false;
  /** The server stopped taking input (shutdown). */
  private stopped = false;
  private failed = false;
  /** What `peek()` found for the input as it stands; undefined once input or parsing moved on. */
  private lookahead: boolean | undefined;

  constructor(table: QuestionTable, options: ConnectionOptions = {}) {
    const range = LIMITS.maxQuestionBytes;
    const maxQuestion = options.maxQuestionBytes ?? range.default;
    if (!Number.isInteger(maxQuestion) || maxQuestion < range.floor || maxQuestion > range.ceiling) {
      throw new LimitError(
        `maxQuestionBytes must be an integer from ${range.floor} to ${range.ceiling}, got ${maxQuestion}`,
      );
    }
    this.table = table;
    this.maxQuestion = maxQuestion;
    this.counters = options.counters ?? newCounters();
  }

  /**
   * Bytes received from the client. The core keeps a reference to `data` until it has parsed it:
   * a caller whose runtime reuses its read buffer must pass a copy. Ignored once input is over
   * (FIN, shutdown or failure).
   */
  receive(data: Uint8Array): void {
    if (this.state !== "reading" || data.length === 0) return;
    this.chunks.push(data);
    this.unparsed += data.length;
    this.lookahead = undefined;
  }

  /** The client's FIN: no more input. Complete questions already received are still answered. */
  receiveEnd(): void {
    this.finReceived = true;
    this.lookahead = undefined;
    this.dropUnanswerable();
  }

  /** Graceful shutdown: take no more input; complete questions already received are still answered. */
  stopInput(): void {
    this.stopped = true;
    this.lookahead = undefined;
    this.dropUnanswerable();
  }

  /** Up to `budget` bytes of replies, in order; an empty array when none is ready. */
  pull(budget: number): Uint8Array {
    this.lookahead = undefined;
    let first: Uint8Array | undefined;
    let pieces: Uint8Array[] | undefined;
    let total = 0;
    while (total < budget) {
      const reply = this.prepare();
      if (reply === undefined) break;
      const take = Math.min(reply.length - this.currentPos, budget - total);
      const piece =
        this.currentPos === 0 && take === reply.length
          ? reply
          : reply.subarray(this.currentPos, this.currentPos + take);
      this.currentPos += take;
      if (this.currentPos === reply.length) this.current = undefined;
      total += take;
      if (first === undefined) first = piece;
      else if (pieces === undefined) pieces = [first, piece];
      else pieces.push(piece);
    }
    this.dropUnanswerable();
    return joinPieces(first, pieces, total);
  }

  get state(): ConnectionState {
    if (this.failed) return "failed";
    if (this.stopped) return "stopped";
    return this.finReceived ? "ended" : "reading";
  }

  /** True once the client's FIN has arrived (whatever the state). */
  get clientEnded(): boolean {
    return this.finReceived;
  }

  /** True when `pull` would return bytes now. */
  get hasOutput(): boolean {
    return this.current !== undefined || this.peek();
  }

  /** True once no output remains or can ever come: flush what you hold, then close. */
  get done(): boolean {
    return this.state !== "reading" && !this.hasOutput;
  }

  /** Bytes received and held but not yet turned into replies (unparsed input + unfinished question). */
  get bufferedInputBytes(): number {
    return this.unparsed + this.partialLength;
  }

  /**
   * Whether the input as it stands holds a reply: a complete question, or more than Q bytes of
   * one (the too-long reply). Reads the chunks without consuming them; the answer is kept until
   * input or parsing moves on.
   */
  private peek(): boolean {
    if (this.lookahead !== undefined) return this.lookahead;
    let found = false;
    if (!this.failed) {
      let length = this.partialLength;
      let pos = this.chunkPos;
      for (const chunk of this.chunks) {
        let start = pos;
        if (length === 0) while (start < chunk.length && isSeparator(chunk[start] as number)) start++;
        const mark = start < chunk.length ? chunk.indexOf(QUESTION_END, start) : -1;
        length += (mark === -1 ? chunk.length : mark + 1) - start;
        if (mark !== -1 || length > this.maxQuestion) {
          found = true;
          break;
        }
        pos = 0;
      }
    }
    this.lookahead = found;
    return found;
  }

  /** Input over and no reply left in it: an unfinished question is dropped (HALF-2). */
  private dropUnanswerable(): void {
    if (this.state !== "reading" && this.current === undefined && !this.peek()) this.dropInput();
  }

  private dropInput(): void {
    this.chunks.length = 0;
    this.chunkPos = 0;
    this.unparsed = 0;
    this.partial = EMPTY;
    this.partialLength = 0;
  }

  /** The reply to emit next, parsing one more question if none is in progress. */
  private prepare(): Uint8Array | undefined {
    if (this.current === undefined && !this.failed) {
      this.current = this.parseQuestion();
      this.currentPos = 0;
    }
    return this.current;
  }

  /** Parses the next complete question from the received chunks and returns its reply. */
  private parseQuestion(): Uint8Array | undefined {
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0] as Uint8Array;
      let start = this.chunkPos;
      if (this.partialLength === 0) {
        while (start < chunk.length && isSeparator(chunk[start] as number)) start++;
      }
      const mark = start < chunk.length ? chunk.indexOf(QUESTION_END, start) : -1;
      if (mark === -1) {
        this.consume(chunk.length - this.chunkPos);
        if (start < chunk.length && !this.appendPartial(chunk, start, chunk.length)) {
          return this.fail();
        }
        continue;
      }
      const end = mark + 1;
      const length = this.partialLength + (end - start);
      this.consume(end - this.chunkPos);
      if (length > this.maxQuestion) return this.fail();
      let answer: Uint8Array | undefined;
      if (this.partialLength === 0) {
        answer = this.table.answerFor(chunk, start, end);
      } else {
        this.appendPartial(chunk, start, end);
        answer = this.table.answerFor(this.partial, 0, this.partialLength);
        this.partialLength = 0;
      }
      if (answer === undefined) {
        this.counters.unknown++;
        return UNKNOWN_REPLY;
      }
      this.counters.answered++;
      return answer;
    }
    return undefined;
  }

  /** Marks `n` bytes of the first chunk as parsed, dropping the chunk once it is used up. */
  private consume(n: number): void {
    this.chunkPos += n;
    this.unparsed -= n;
    const chunk = this.chunks[0] as Uint8Array;
    if (this.chunkPos === chunk.length) {
      this.chunks.shift();
      this.chunkPos = 0;
    }
  }

  /** Copies bytes of an unfinished question; false when that would pass the question limit. */
  private appendPartial(chunk: Uint8Array, start: number, end: number): boolean {
    const length = this.partialLength + (end - start);
    if (length > this.maxQuestion) return false;
    if (length > this.partial.length) {
      const grown = new Uint8Array(Math.min(this.maxQuestion, Math.max(64, length, this.partial.length * 2)));
      grown.set(this.partial.subarray(0, this.partialLength));
      this.partial = grown;
    }
    this.partial.set(chunk.subarray(start, end), this.partialLength);
    this.partialLength = length;
    return true;
  }

  /** LIMIT-QUESTION-2: the too-long reply is the last output; all further input is dropped. */
  private fail(): Uint8Array {
    this.failed = true;
    this.counters.tooLong++;
    this.dropInput();
    return TOO_LONG_REPLY;
  }
}

/** One array of the pulled pieces (the first alone when it is the only one: no copy). */
function joinPieces(
  first: Uint8Array | undefined,
  pieces: Uint8Array[] | undefined,
  total: number,
): Uint8Array {
  if (first === undefined) return EMPTY;
  if (pieces === undefined) return first;
  const out = new Uint8Array(total);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}
