/**
 * Long pipelined streams for the flow cases: a seeded sequence of questions, produced in chunks
 * that end on question boundaries, and a streaming verifier of the replies (hundreds of MiB are
 * checked without being kept).
 */
import { around, excerptAt } from "./bytes.js";
import type { WireClient } from "./client.js";
import type { AnswerBook } from "./model.js";

/** mulberry32: a tiny seeded PRNG, so the verifier regenerates exactly what was sent. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seeded sequence of table question indexes (optionally weighted to one question). */
export class QuestionSequence {
  private readonly next: () => number;
  constructor(
    seed: number,
    private readonly count: number,
    /** When set, this index is chosen 3 times in 4 (amplification: the costliest question). */
    private readonly favourite?: number,
  ) {
    this.next = prng(seed);
  }
  pick(): number {
    const r = this.next();
    if (this.favourite !== undefined && r < 0.75) return this.favourite;
    return Math.floor(this.next() * this.count);
  }
}

/** Produces chunks of whole questions; counts questions and bytes produced. */
export class QuestionChunker {
  private readonly sequence: QuestionSequence;
  questions = 0;
  bytes = 0;
  constructor(
    private readonly book: AnswerBook,
    seed: number,
    favourite?: number,
  ) {
    this.sequence = new QuestionSequence(seed, book.questions.length, favourite);
  }
  chunk(size: number): Buffer {
    const parts: Buffer[] = [];
    let length = 0;
    while (length < size) {
      const q = this.book.questions[this.sequence.pick()] as Buffer;
      parts.push(q);
      length += q.length;
      this.questions++;
    }
    this.bytes += length;
    return Buffer.concat(parts, length);
  }
}

/** Checks replies as they arrive against the replies owed for the first `questions` questions. */
export class ReplyVerifier {
  private readonly sequence: QuestionSequence;
  private current: Buffer = Buffer.alloc(0);
  private offsetInCurrent = 0;
  private repliesStarted = 0;
  /** Bytes verified so far. */
  verified = 0;
  /** The total owed (set once the number of questions is known). */
  expectedTotal = 0;
  mismatch: string | null = null;
  /** The first differing byte as data: its offset in the replies, what was expected there and what came. */
  mismatchAt: { offset: number; expected: string; got: string } | null = null;

  constructor(
    private readonly book: AnswerBook,
    seed: number,
    favourite?: number,
  ) {
    this.sequence = new QuestionSequence(seed, book.questions.length, favourite);
  }

  /** The number of reply bytes owed for `questions` questions of this sequence. */
  static totalFor(book: AnswerBook, seed: number, questions: number, favourite?: number): number {
    const sequence = new QuestionSequence(seed, book.questions.length, favourite);
    let total = 0;
    for (let i = 0; i < questions; i++) total += (book.answers[sequence.pick()] as Buffer).length;
    return total;
  }

  /** How many whole questions of this sequence fit in its first `bytes` bytes. */
  static questionsWithin(book: AnswerBook, seed: number, bytes: number, favourite?: number): number {
    const sequence = new QuestionSequence(seed, book.questions.length, favourite);
    let count = 0;
    for (let at = 0; ; count++) {
      at += (book.questions[sequence.pick()] as Buffer).length;
      if (at > bytes) return count;
    }
  }

  /** Feeds received bytes; records the first mismatch (with context) and stops checking there. */
  feed(chunk: Buffer): void {
    if (this.mismatch) return;
    let at = 0;
    while (at < chunk.length) {
      if (this.offsetInCurrent >= this.current.length) {
        this.current = this.book.answers[this.sequence.pick()] as Buffer;
        this.offsetInCurrent = 0;
        this.repliesStarted++;
      }
      const n = Math.min(chunk.length - at, this.current.length - this.offsetInCurrent);
      const want = this.current.subarray(this.offsetInCurrent, this.offsetInCurrent + n);
      const got = chunk.subarray(at, at + n);
      if (!want.equals(got)) {
        let i = 0;
        while (i < n && want[i] === got[i]) i++;
        const where = this.verified + i;
        this.mismatch = `byte ${where} (reply ${this.repliesStarted}) differs: expected ${around(this.current, this.offsetInCurrent + i, 24)}, got ${around(chunk, at + i, 24)}`;
        this.mismatchAt = {
          offset: where,
          expected: excerptAt(this.current, this.offsetInCurrent + i),
          got: excerptAt(chunk, at + i),
        };
        return;
      }
      this.verified += n;
      this.offsetInCurrent += n;
      at += n;
    }
  }

  /** True when the bytes verified so far end inside a reply (a reply was cut short). */
  get midReply(): boolean {
    return this.offsetInCurrent > 0 && this.offsetInCurrent < this.current.length;
  }

  /** Attaches to a client that keeps no bytes. */
  attach(client: WireClient): void {
    client.onData = (chunk) => this.feed(chunk);
  }
}

export interface PushResult {
  readonly pushed: number;
  readonly questions: number;
  readonly stalled: boolean;
  readonly ms: number;
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
  const started = performance.now();
  let stalled = false;
  while (chunker.bytes < capBytes && !signal.aborted && !client.ended) {
    const ok = client.push(chunker.chunk(64 * 1024));
    if (!ok) {
      const drained = await client.waitForDrain(stallMs);
      if (!drained) {
        stalled = !client.ended;
        break;
      }
    }
  }
  return { pushed: chunker.bytes, questions: chunker.questions, stalled, ms: performance.now() - started };
}
