import { describe, expect, it } from "vitest";
import { QuestionTape } from "../src/question-tape.js";

const encoder = new TextEncoder();
const questions = ["What is your name?", "What is your quest?", "What is your favorite color?"].map((q) =>
  encoder.encode(q),
);
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe("QuestionTape", () => {
  it("gives any run of up to maxRun consecutive questions of the cycle as one slice", () => {
    const tape = new QuestionTape(questions, 16);
    for (let sequence = 0; sequence < 40; sequence++) {
      for (const count of [1, 2, 3, 7, 16]) {
        const expected = Array.from({ length: count }, (_, k) =>
          text(questions[(sequence + k) % 3] as Uint8Array),
        ).join("");
        expect(text(tape.run(sequence, count))).toBe(expected);
      }
    }
  });

  it("shares one buffer: a run is a view, not a copy", () => {
    const tape = new QuestionTape(questions, 4);
    expect(tape.run(5, 4).buffer).toBe(tape.bytes.buffer);
  });

  it("refuses runs longer than it was built for and empty question lists", () => {
    const tape = new QuestionTape(questions, 2);
    expect(() => tape.run(0, 3)).toThrow(RangeError);
    expect(() => tape.run(0, 0)).toThrow(RangeError);
    expect(() => new QuestionTape([], 1)).toThrow(RangeError);
  });
});
