/**
 * The questions a connection asks, preallocated once: the table's questions concatenated in a cycle,
 * repeated so that any run of up to `maxRun` consecutive questions is one contiguous slice. Sending
 * k questions is one write of a view; no bytes are copied per question.
 */
export class QuestionTape {
  readonly bytes: Buffer;
  readonly questions: number;
  readonly maxRun: number;
  private readonly offsets: Uint32Array;

  constructor(questions: readonly Uint8Array[], maxRun: number) {
    if (questions.length === 0) throw new RangeError("QuestionTape needs at least one question");
    if (!Number.isInteger(maxRun) || maxRun < 1) throw new RangeError("QuestionTape maxRun must be >= 1");
    this.questions = questions.length;
    this.maxRun = maxRun;
    const cycles = Math.ceil(maxRun / questions.length) + 1;
    const slots = cycles * questions.length;
    this.offsets = new Uint32Array(slots + 1);
    let size = 0;
    for (let slot = 0; slot < slots; slot++) {
      this.offsets[slot] = size;
      size += (questions[slot % questions.length] as Uint8Array).length;
    }
    this.offsets[slots] = size;
    this.bytes = Buffer.allocUnsafe(size);
    for (let slot = 0; slot < slots; slot++) {
      this.bytes.set(questions[slot % questions.length] as Uint8Array, this.offsets[slot] as number);
    }
  }

  /** The bytes of `count` consecutive questions starting at sequence number `sequence`. */
  run(sequence: number, count: number): Buffer {
    if (count < 1 || count > this.maxRun)
      throw new RangeError(`a run is 1..${this.maxRun} questions, not ${count}`);
    const start = sequence % this.questions;
    return this.bytes.subarray(this.offsets[start] as number, this.offsets[start + count] as number);
  }
}
