/**
 * Byte-for-byte checking of a stream of answers that arrives split anywhere. The k-th answer on a
 * connection is expected to be answers[(first + k) % answers.length], the cycle the questions were
 * asked in. An answer ends at its '.' (ANSWER-2: replies are matched by counting '.' bytes); it is
 * correct when every byte and the length match. No allocation per byte or per answer.
 */
import { ANSWER_END } from "@bridgekeeper/spec";

export class AnswerStream {
  private readonly answers: readonly Uint8Array[];
  private index: number;
  private expected: Uint8Array;
  private position = 0;
  private mismatch = false;
  /** Answers that matched their question's table answer exactly. */
  correct = 0;
  /** Answers that differed in any byte or in length. */
  wrong = 0;

  constructor(answers: readonly Uint8Array[], first = 0) {
    if (answers.length === 0) throw new RangeError("AnswerStream needs at least one expected answer");
    this.answers = answers;
    this.index = first % answers.length;
    this.expected = answers[this.index] as Uint8Array;
  }

  /** Consumes bytes [start, end) of `chunk`; returns how many answers ended in them. */
  feed(chunk: Uint8Array, start = 0, end: number = chunk.length): number {
    const answers = this.answers;
    let expected = this.expected;
    let position = this.position;
    let mismatch = this.mismatch;
    let completed = 0;
    for (let i = start; i < end; i++) {
      const byte = chunk[i] as number;
      if (position >= expected.length || expected[position] !== byte) mismatch = true;
      position++;
      if (byte === ANSWER_END) {
        if (!mismatch && position === expected.length) this.correct++;
        else this.wrong++;
        completed++;
        this.index = this.index + 1 === answers.length ? 0 : this.index + 1;
        expected = answers[this.index] as Uint8Array;
        position = 0;
        mismatch = false;
      }
    }
    this.expected = expected;
    this.position = position;
    this.mismatch = mismatch;
    return completed;
  }

  /** Answers seen so far, correct or not. */
  get answered(): number {
    return this.correct + this.wrong;
  }

  /** Bytes of an answer that has begun but not ended yet. */
  get partialBytes(): number {
    return this.position;
  }
}
