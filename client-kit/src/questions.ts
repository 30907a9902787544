/**
 * Question streams a checker can regenerate: the order in which questions are asked (seeded or
 * cyclic) and a chunker that writes whole questions, optionally with separators between them.
 */
import { Prng } from "./prng.js";

/** What a client asks: question i gets reply i. */
export interface QuestionSet {
  readonly questions: readonly Uint8Array[];
  readonly replies: readonly Uint8Array[];
}

/** The order of question indexes; the checker replays the same order for the replies. */
export interface QuestionOrder {
  next(): number;
}

/** A seeded order; with a favourite, that index is chosen 3 times in 4 (amplification: the costliest question). */
export class SeededOrder implements QuestionOrder {
  private readonly prng: Prng;
  constructor(
    seed: number,
    private readonly count: number,
    private readonly favourite?: number,
  ) {
    this.prng = new Prng(seed);
  }
  next(): number {
    const r = this.prng.next();
    if (this.favourite !== undefined && r < 0.75) return this.favourite;
    return this.prng.below(this.count);
  }
}

/** The questions in turn, from `start`. */
export class CyclicOrder implements QuestionOrder {
  private index: number;
  constructor(
    start: number,
    private readonly count: number,
  ) {
    this.index = start % count;
  }
  next(): number {
    const index = this.index;
    this.index = index + 1 === this.count ? 0 : index + 1;
    return index;
  }
}

/** Separators the framing skips, put between questions (FRAME-2 exercised on the way). */
export interface SeparatorOptions {
  /** CR LF before about one question in this many (seeded by `seed`). */
  readonly crlfOneIn?: number;
  /** Bytes of CR LF before every question. */
  readonly padding?: number;
  readonly seed?: number;
}

const CRLF = Uint8Array.of(0x0d, 0x0a);

/** Produces chunks of whole questions in a given order; counts questions and bytes produced. */
export class QuestionChunker {
  questions = 0;
  bytes = 0;
  private readonly separatorPrng: Prng | undefined;
  private readonly pad: Buffer;

  constructor(
    private readonly set: QuestionSet,
    private readonly order: QuestionOrder,
    private readonly separators: SeparatorOptions = {},
  ) {
    this.separatorPrng = separators.crlfOneIn ? new Prng(separators.seed ?? 1) : undefined;
    this.pad = Buffer.alloc(separators.padding ?? 0, "\r\n");
  }

  /** At least `size` bytes (whole questions). */
  chunk(size: number): Buffer {
    const parts: Uint8Array[] = [];
    let length = 0;
    while (length < size) {
      if (this.separatorPrng && this.separatorPrng.below(this.separators.crlfOneIn ?? 1) === 0) {
        parts.push(CRLF);
        length += 2;
      }
      if (this.pad.length > 0) {
        parts.push(this.pad);
        length += this.pad.length;
      }
      const q = this.set.questions[this.order.next()] as Uint8Array;
      parts.push(q);
      length += q.length;
      this.questions++;
    }
    this.bytes += length;
    return Buffer.concat(parts, length);
  }
}

/** The reply bytes owed for the first `questions` questions of an order. */
export function replyBytesFor(set: QuestionSet, order: QuestionOrder, questions: number): number {
  let total = 0;
  for (let i = 0; i < questions; i++) total += (set.replies[order.next()] as Uint8Array).length;
  return total;
}

/** How many whole questions of an order (without separators) fit in its first `bytes` bytes. */
export function questionsWithin(set: QuestionSet, order: QuestionOrder, bytes: number): number {
  let count = 0;
  for (let at = 0; ; count++) {
    at += (set.questions[order.next()] as Uint8Array).length;
    if (at > bytes) return count;
  }
}
