/**
 * Question tables (spec section 12): the JSON document format, its rules TABLE-1..3, and the
 * byte-exact lookup both servers use. A table is immutable once built; answers are shared, never
 * copied. Pure: reading table files is `table-file.ts` (the `@bridgekeeper/spec/table-file` entry).
 */
import {
  ANSWER_END,
  isSeparator,
  QUESTION_END,
  TABLE_ANSWER_MAX_BYTES,
  TABLE_QUESTION_MAX_BYTES,
  TOO_LONG_REPLY_TEXT,
  UNKNOWN_REPLY_TEXT,
} from "./constants.js";
import { TableError } from "./errors.js";

export interface TableEntry {
  readonly questionText: string;
  readonly answerText: string;
  readonly question: Uint8Array;
  readonly answer: Uint8Array;
}

const encoder = new TextEncoder();
const TOP_KEYS = new Set(["$schema", "name", "description", "entries"]);
const ENTRY_KEYS = new Set(["question", "answer"]);
const LONE_SURROGATE = /\p{Cs}/u;

/** FNV-1a over bytes [start, end): the lookup key; equal keys are confirmed byte by byte. */
export function hashBytes(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  }
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array, bStart: number, bEnd: number): boolean {
  if (a.length !== bEnd - bStart) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[bStart + i]) return false;
  }
  return true;
}

export class QuestionTable {
  readonly name: string;
  readonly entries: readonly TableEntry[];
  private readonly byHash = new Map<number, TableEntry[]>();
  /** The longest answer: what one question can cost in output. */
  readonly maxAnswerBytes: number;

  /** Builds a table from entries that already passed validation (use parseTable for input). */
  constructor(name: string, entries: readonly TableEntry[]) {
    this.name = name;
    this.entries = entries;
    let max = 0;
    for (const entry of entries) {
      const key = hashBytes(entry.question);
      const bucket = this.byHash.get(key);
      if (bucket) bucket.push(entry);
      else this.byHash.set(key, [entry]);
      max = Math.max(max, entry.answer.length);
    }
    this.maxAnswerBytes = max;
  }

  /** The answer for the question bytes [start, end) of `bytes`, or undefined when unknown. */
  answerFor(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array | undefined {
    const bucket = this.byHash.get(hashBytes(bytes, start, end));
    if (!bucket) return undefined;
    for (const entry of bucket) {
      if (sameBytes(entry.question, bytes, start, end)) return entry.answer;
    }
    return undefined;
  }
}

function countByte(bytes: Uint8Array, byte: number): number {
  let n = 0;
  for (const b of bytes) if (b === byte) n++;
  return n;
}

function describe(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
  return JSON.stringify(shown);
}

function checkQuestion(file: string, where: string, text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const fail = (why: string): never => {
    throw new TableError(file, `${where}: question ${describe(text)} ${why}`, "TABLE-1");
  };
  if (LONE_SURROGATE.test(text)) fail("is not valid Unicode (lone surrogate)");
  if (bytes.length < 2) fail("must be at least 2 bytes (text, then '?')");
  if (bytes.length > TABLE_QUESTION_MAX_BYTES) {
    fail(`is ${bytes.length} bytes; at most ${TABLE_QUESTION_MAX_BYTES}`);
  }
  if (bytes[bytes.length - 1] !== QUESTION_END) fail("must end with '?'");
  if (countByte(bytes, QUESTION_END) !== 1) fail("must contain exactly one '?', at its end");
  if (isSeparator(bytes[0] as number)) fail("must not start with a space, tab, CR or LF");
  return bytes;
}

function checkAnswer(file: string, where: string, text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const fail = (why: string, rule = "TABLE-2"): never => {
    throw new TableError(file, `${where}: answer ${describe(text)} ${why}`, rule);
  };
  if (LONE_SURROGATE.test(text)) fail("is not valid Unicode (lone surrogate)");
  if (bytes.length < 2) fail("must be at least 2 bytes (text, then '.')");
  if (bytes.length > TABLE_ANSWER_MAX_BYTES) {
    fail(`is ${bytes.length} bytes; at most ${TABLE_ANSWER_MAX_BYTES}`);
  }
  if (bytes[bytes.length - 1] !== ANSWER_END) fail("must end with '.'");
  if (countByte(bytes, ANSWER_END) !== 1) fail("must contain exactly one '.', at its end");
  if (text === UNKNOWN_REPLY_TEXT || text === TOO_LONG_REPLY_TEXT) {
    fail("equals a reply the protocol reserves", "TABLE-3");
  }
  return bytes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Validates a parsed table document; `file` names it in errors. */
export function parseTable(document: unknown, file: string): QuestionTable {
  if (!isPlainObject(document)) throw new TableError(file, "a table must be a JSON object");
  for (const key of Object.keys(document)) {
    if (!TOP_KEYS.has(key)) throw new TableError(file, `unknown key ${JSON.stringify(key)}`);
  }
  const { name, description, entries } = document;
  if (typeof name !== "string" || name.length === 0) {
    throw new TableError(file, `"name" must be a non-empty string`);
  }
  if (description !== undefined && typeof description !== "string") {
    throw new TableError(file, `"description" must be a string`);
  }
  if (!Array.isArray(entries)) throw new TableError(file, `"entries" must be an array`);
  if (entries.length === 0) throw new TableError(file, "a table needs at least one entry", "TABLE-3");
  const seen = new Map<string, number>();
  const checked: TableEntry[] = entries.map((entry: unknown, index): TableEntry => {
    const where = `entries[${index}]`;
    if (!isPlainObject(entry)) throw new TableError(file, `${where} must be an object`);
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(key)) {
        throw new TableError(file, `${where} has unknown key ${JSON.stringify(key)}`);
      }
    }
    const { question, answer } = entry;
    if (typeof question !== "string") throw new TableError(file, `${where}.question must be a string`);
    if (typeof answer !== "string") throw new TableError(file, `${where}.answer must be a string`);
    const questionBytes = checkQuestion(file, where, question);
    const answerBytes = checkAnswer(file, where, answer);
    const earlier = seen.get(question);
    if (earlier !== undefined) {
      throw new TableError(
        file,
        `${where}: question ${describe(question)} already appears in entries[${earlier}]`,
        "TABLE-3",
      );
    }
    seen.set(question, index);
    return { questionText: question, answerText: answer, question: questionBytes, answer: answerBytes };
  });
  return new QuestionTable(name, checked);
}

/** Parses table text (UTF-8 JSON); `file` names it in errors. */
export function parseTableText(text: string, file: string): QuestionTable {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TableError(file, `not valid JSON: ${reason.split("\n")[0]}`);
  }
  return parseTable(document, file);
}
