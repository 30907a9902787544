/** fast-check arbitraries for the protocol core's tests, each named for what it generates. */
import fc from "fast-check";
import { SEPARATOR_BYTES } from "../src/constants.js";
import type { QuestionTable } from "../src/table.js";

const encoder = new TextEncoder();

/** A question from the table, as bytes. */
export function tableQuestion(table: QuestionTable): fc.Arbitrary<Uint8Array> {
  return fc.constantFrom(...table.entries.map((entry) => entry.question));
}

/** A question not in the table: random non-separator start, any bytes but '?', then '?'. */
export function unknownQuestion(maxLength = 40): fc.Arbitrary<Uint8Array> {
  const body = fc.uint8Array({ minLength: 0, maxLength }).map((bytes) => bytes.filter((b) => b !== 0x3f));
  const first = fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x3f && !SEPARATOR_BYTES.includes(b));
  return fc.tuple(first, body).map(([head, rest]) => Uint8Array.from([head, ...rest, 0x3f]));
}

/** A run of bytes skipped between questions (FRAME-2), e.g. the CR LF a person types. */
export function separators(): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.constantFrom(...SEPARATOR_BYTES), { maxLength: 4 }).map((b) => Uint8Array.from(b));
}

/** A client stream: questions (known or unknown), each optionally preceded by separators. */
export function questionStream(table: QuestionTable): fc.Arbitrary<Uint8Array> {
  const item = fc.tuple(
    separators(),
    fc.oneof(tableQuestion(table), tableQuestion(table), unknownQuestion()),
  );
  return fc.array(item, { maxLength: 20 }).map((items) => concat(items.flatMap(([sep, q]) => [sep, q])));
}

/** Cuts `bytes` at random points into chunks (possibly one byte each). */
export function splitPoints(length: number): fc.Arbitrary<number[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: Math.min(length, 64) })
    .map((cuts) => cuts.filter((c) => c < length).sort((a, b) => a - b));
}

export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    chunks.push(bytes.slice(from, cut));
    from = cut;
  }
  chunks.push(bytes.slice(from));
  return chunks.filter((chunk) => chunk.length > 0);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}
