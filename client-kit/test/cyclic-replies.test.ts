/** ReplyChecker in a question cycle, as the load generator uses it (each connection asks the table in turn). */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CyclicOrder, ReplyChecker } from "../src/index.js";

/** What the load generator's connection starting at `first` expects. */
function cycle(expected: readonly Uint8Array[], first: number): ReplyChecker {
  return new ReplyChecker(expected, new CyclicOrder(first, Math.max(1, expected.length)));
}

const encoder = new TextEncoder();
const answers = ["My name is Sir Lancelot of Camelot.", "To seek the Holy Grail.", "Blue."].map((a) =>
  encoder.encode(a),
);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The answers a connection starting at `first` should get, `count` of them, as one byte stream. */
function expectedStream(first: number, count: number): Uint8Array {
  return concat(Array.from({ length: count }, (_, k) => answers[(first + k) % answers.length] as Uint8Array));
}

/** Feeds `bytes` cut at the given offsets; returns the answers counted chunk by chunk. */
function feedSplit(stream: ReplyChecker, bytes: Uint8Array, cuts: readonly number[]): number {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let start = 0;
  let total = 0;
  for (const point of [...points, bytes.length]) {
    total += stream.feed(bytes.subarray(start, point));
    start = point;
  }
  return total;
}

describe("ReplyChecker in a question cycle", () => {
  it("accepts the expected answers in the question cycle however the stream is split", () => {
    fc.assert(
      fc.property(
        fc.nat(10),
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.nat(5000), { maxLength: 30 }),
        (first, count, cuts) => {
          const stream = cycle(answers, first);
          const bytes = expectedStream(first, count);
          expect(feedSplit(stream, bytes, cuts)).toBe(count);
          expect(stream.correct).toBe(count);
          expect(stream.wrong).toBe(0);
          expect(stream.partialBytes).toBe(0);
        },
      ),
    );
  });

  it("accepts a stream fed one byte at a time, counting each answer at its '.'", () => {
    const stream = cycle(answers, 2);
    const bytes = expectedStream(2, 4);
    const ends: number[] = [];
    for (let i = 0; i < bytes.length; i++) if (stream.feed(bytes, i, i + 1) === 1) ends.push(i);
    expect(ends).toEqual([4, 39, 62, 67]);
    expect(stream.correct).toBe(4);
  });

  it("flags an answer with any byte changed as wrong, wherever the stream is split", () => {
    fc.assert(
      fc.property(
        fc.nat(2),
        fc.integer({ min: 1, max: 10 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.array(fc.nat(1000), { maxLength: 10 }),
        (first, count, where, delta, cuts) => {
          const bytes = expectedStream(first, count).slice();
          const index = where % bytes.length;
          // A changed byte that is not '.' keeps the answer count; it must make exactly one answer wrong.
          const changed = ((bytes[index] as number) + delta) & 0xff;
          fc.pre(changed !== 0x2e && bytes[index] !== 0x2e);
          bytes[index] = changed;
          const stream = cycle(answers, first);
          expect(feedSplit(stream, bytes, cuts)).toBe(count);
          expect(stream.wrong).toBe(1);
          expect(stream.correct).toBe(count - 1);
        },
      ),
    );
  });

  it("flags answers in the wrong order, truncated answers and the unknown reply", () => {
    const stream = cycle(answers, 0);
    const wrongOrder = encoder.encode("To seek the Holy Grail.");
    const truncated = encoder.encode("To seek.");
    const unknown = encoder.encode("I don't know that.");
    expect(stream.feed(wrongOrder)).toBe(1);
    expect(stream.feed(truncated)).toBe(1);
    expect(stream.feed(unknown)).toBe(1);
    expect(stream.feed(encoder.encode("My name is Sir Lancelot of Camelot."))).toBe(1);
    expect(stream.wrong).toBe(3);
    expect(stream.correct).toBe(1);
  });

  it("counts a longer answer with the right prefix as wrong", () => {
    const stream = cycle([encoder.encode("Blue.")], 0);
    expect(stream.feed(encoder.encode("Blue!!."))).toBe(1);
    expect(stream.wrong).toBe(1);
  });

  it("keeps the bytes of an unfinished answer pending until its '.' arrives", () => {
    const stream = cycle(answers, 2);
    expect(stream.feed(encoder.encode("Bl"))).toBe(0);
    expect(stream.partialBytes).toBe(2);
    expect(stream.feed(encoder.encode("ue.My"))).toBe(1);
    expect(stream.correct).toBe(1);
    expect(stream.partialBytes).toBe(2);
  });

  it("works with every table fixture's answers", () => {
    for (const name of ["canonical", "utf8", "large-answers"]) {
      const table = JSON.parse(
        readFileSync(new URL(`../../fixtures/tables/${name}.json`, import.meta.url), "utf8"),
      ) as { entries: Array<{ answer: string }> };
      const expected = table.entries.map((e) => encoder.encode(e.answer));
      const stream = cycle(expected, 1);
      const bytes = concat([...expected.slice(1), ...expected, expected[0] as Uint8Array]);
      expect(feedSplit(stream, bytes, [1, 7, 300, 4099])).toBe(expected.length * 2);
      expect(stream.wrong).toBe(0);
    }
  });

  it("refuses an empty answer list", () => {
    expect(() => new ReplyChecker([], new CyclicOrder(0, 1))).toThrow(RangeError);
  });
});
