/** Small, named arbitraries the cases compose (fast-check style: each named for what it generates). */
import { QUESTION_END } from "@bridgekeeper/spec";
import * as fc from "fast-check";
import { type AnswerBook, isSkippedByte } from "./model.js";

/** One question from the table, as bytes. */
export function tableQuestion(book: AnswerBook): fc.Arbitrary<Buffer> {
  return fc.constantFrom(...book.questions);
}

/** A sequence of table questions. */
export function questionSequence(book: AnswerBook, min: number, max: number): fc.Arbitrary<Buffer[]> {
  return fc.array(tableQuestion(book), { minLength: min, maxLength: max });
}

/** Bytes the framing skips where a question would start: SP, HT, CR, LF. */
export function separators(maxLength = 4): fc.Arbitrary<Buffer> {
  return fc.array(fc.constantFrom(0x20, 0x09, 0x0d, 0x0a), { maxLength }).map((b) => Buffer.from(b));
}

/** A question the table does not hold: a mutated, truncated or invented question ending in '?'. */
export function unknownQuestion(book: AnswerBook): fc.Arbitrary<Buffer> {
  const body = (bytes: fc.Arbitrary<number>) =>
    fc.array(bytes, { minLength: 1, maxLength: 40 }).map((b) => Buffer.from(b));
  const printable = body(fc.integer({ min: 0x21, max: 0x7e }).filter((b) => b !== QUESTION_END));
  const anyByte = body(fc.integer({ min: 0, max: 255 }).filter((b) => b !== QUESTION_END));
  const truncated = fc
    .tuple(tableQuestion(book), fc.nat())
    .map(([q, n]) => q.subarray(0, 1 + (n % Math.max(1, q.length - 1))));
  const mutated = fc
    .tuple(tableQuestion(book), fc.nat(), fc.integer({ min: 0x21, max: 0x7e }))
    .map(([q, at, byte]) => {
      const copy = Buffer.from(q.subarray(0, q.length - 1));
      copy[at % copy.length] = byte === QUESTION_END ? 0x21 : byte;
      return copy;
    });
  const innerSpaces = tableQuestion(book).map((q) =>
    Buffer.concat([q.subarray(0, 1), Buffer.from("  "), q.subarray(1, q.length - 1)]),
  );
  return fc
    .oneof(printable, anyByte, truncated, mutated, innerSpaces)
    .map((b) => Buffer.concat([b, Buffer.from([QUESTION_END])]))
    .filter((q) => !isSkippedByte(q[0] as number) && !book.isKnown(q));
}

/** Random bytes: NUL, high bytes, invalid UTF-8, runs without '?', occasional '?' and separators. */
export function garbageBytes(maxLength: number): fc.Arbitrary<Buffer> {
  const byte = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }) },
    { weight: 1, arbitrary: fc.constantFrom(0x00, 0xff, 0xc3, 0x80, 0x3f, 0x20, 0x0a) },
  );
  const run = fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: maxLength }))
    .map(([b, n]) => Buffer.alloc(n, b === QUESTION_END ? 0 : b));
  return fc
    .array(
      fc.oneof(
        { weight: 5, arbitrary: fc.array(byte, { maxLength: 64 }).map((b) => Buffer.from(b)) },
        { weight: 1, arbitrary: run },
      ),
      {
        minLength: 1,
        maxLength: 6,
      },
    )
    .map((parts) => Buffer.concat(parts).subarray(0, maxLength));
}

/** Offsets at which to cut a stream of `length` bytes: a few random ones, or every byte. */
export function splitPoints(length: number): fc.Arbitrary<number[]> {
  if (length < 2) return fc.constant([]);
  const some = fc.uniqueArray(fc.integer({ min: 1, max: length - 1 }), {
    maxLength: Math.min(12, length - 1),
  });
  const everyByte = fc.constant(Array.from({ length: length - 1 }, (_, i) => i + 1));
  return fc
    .oneof({ weight: 4, arbitrary: some }, { weight: 1, arbitrary: everyByte })
    .map((p) => [...p].sort((a, b) => a - b));
}

/**
 * Table questions back to back, with the points where the client cuts them (inside multi-byte
 * characters too). No separators: the framing case for them is frame.separators.
 */
export function fragmentedQuestions(
  book: AnswerBook,
  maxQuestions: number,
): fc.Arbitrary<{ stream: Buffer; splits: number[] }> {
  return fc
    .array(tableQuestion(book), { minLength: 1, maxLength: maxQuestions })
    .map((parts) => Buffer.concat(parts))
    .chain((stream) => {
      const inside = utf8InteriorPoints(stream);
      const points =
        inside.length === 0
          ? splitPoints(stream.length)
          : fc.oneof(splitPoints(stream.length), fc.subarray(inside, { minLength: 1 }));
      return points.map((splits) => ({ stream, splits }));
    });
}

/** Offsets that fall inside a multi-byte UTF-8 character (before a continuation byte). */
export function utf8InteriorPoints(bytes: Uint8Array): number[] {
  const points: number[] = [];
  for (let i = 1; i < bytes.length; i++) if (((bytes[i] as number) & 0xc0) === 0x80) points.push(i);
  return points;
}

/** A question that is known or not (no separators before it: those are frame.separators' subject). */
export function mixedQuestion(book: AnswerBook): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 2, arbitrary: tableQuestion(book) },
    { weight: 1, arbitrary: unknownQuestion(book) },
  );
}

/** Where a client resets its connection. */
export type ResetPoint =
  | "before-question"
  | "mid-question"
  | "after-question"
  | "answers-owed"
  | "mid-answer";
export function resetPoint(): fc.Arbitrary<ResetPoint> {
  return fc.constantFrom<ResetPoint>(
    "before-question",
    "mid-question",
    "after-question",
    "answers-owed",
    "mid-answer",
  );
}

/**
 * Batches of pipelined table questions, each batch one write, or several writes cut between
 * questions: pipelining itself, without the split questions that are frame.fragmented's subject.
 */
export function pipelineBatches(book: AnswerBook): fc.Arbitrary<Array<{ stream: Buffer; splits: number[] }>> {
  const batch = fc.array(tableQuestion(book), { minLength: 2, maxLength: 24 }).chain((questions) => {
    const stream = Buffer.concat(questions);
    const boundaries: number[] = [];
    let at = 0;
    for (const q of questions.slice(0, -1)) {
      at += q.length;
      boundaries.push(at);
    }
    const splits = fc.oneof(
      { weight: 3, arbitrary: fc.constant<number[]>([]) },
      { weight: 1, arbitrary: fc.subarray(boundaries) },
    );
    return splits.map((points) => ({ stream, splits: points }));
  });
  return fc.array(batch, { minLength: 1, maxLength: 4 });
}
