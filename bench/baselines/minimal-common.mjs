// Shared by the minimal servers: their command line and a byte-level table lookup (FNV-1a hash of the
// question bytes, confirmed byte by byte), so a question costs no string or buffer allocation.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const QUESTION_END = 0x3f;
export const UNKNOWN = new TextEncoder().encode("I don't know that.");

export function isSeparator(byte) {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** --host H --port P --table FILE; anything else exits 2 with one line. */
export function parseArgs(name, argv) {
  const fail = (message) => {
    process.stderr.write(`${name}: ${message}\n`);
    process.exit(2);
  };
  const options = {
    host: "127.0.0.1",
    port: 0,
    table: fileURLToPath(new URL("../../fixtures/tables/canonical.json", import.meta.url)),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === "--host") options.host = value;
    else if (flag === "--port") options.port = Number(value);
    else if (flag === "--table") options.table = value;
    else fail(`unknown flag ${flag}`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    fail("--port must be 0..65535");
  return options;
}

function hash(bytes, start, end) {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** Reads a table file; returns answerFor(bytes, start, end) -> answer bytes (UNKNOWN if absent). */
export function loadTable(path) {
  const encoder = new TextEncoder();
  const buckets = new Map();
  for (const entry of JSON.parse(readFileSync(path, "utf8")).entries) {
    const question = encoder.encode(entry.question);
    const key = hash(question, 0, question.length);
    const bucket = buckets.get(key) ?? [];
    bucket.push({ question, answer: encoder.encode(entry.answer) });
    buckets.set(key, bucket);
  }
  return (bytes, start, end) => {
    const bucket = buckets.get(hash(bytes, start, end));
    if (bucket === undefined) return UNKNOWN;
    search: for (const { question, answer } of bucket) {
      if (question.length !== end - start) continue;
      for (let i = 0; i < question.length; i++) if (question[i] !== bytes[start + i]) continue search;
      return answer;
    }
    return UNKNOWN;
  };
}

/**
 * Frames the questions of `chunk` (after the unfinished question `pending` of earlier reads, or
 * null) by FRAME-1/2 and returns { reply, rest }: the replies as one byte array (or null) and the
 * unfinished question to keep (or null). With `scratch`, several replies are assembled in it and
 * `reply` is a view of it, valid until the next call (for runtimes whose write copies at once);
 * without it, several replies are concatenated into a new buffer.
 */
export function answerChunk(answerFor, pending, chunk, scratch) {
  const bytes = pending === null ? chunk : Buffer.concat([pending, chunk]);
  let first = null;
  let used = 0; // bytes assembled in scratch, when more than one reply fits there
  let more = null; // the replies, when they are concatenated instead
  let rest = null;
  let i = 0;
  const end = bytes.length;
  while (i < end) {
    while (i < end && isSeparator(bytes[i])) i++;
    if (i === end) break;
    const mark = bytes.indexOf(QUESTION_END, i);
    if (mark < 0) {
      rest = Buffer.from(bytes.subarray(i));
      break;
    }
    const answer = answerFor(bytes, i, mark + 1);
    i = mark + 1;
    if (first === null) {
      first = answer;
    } else if (
      more === null &&
      scratch !== undefined &&
      (used || first.length) + answer.length <= scratch.length
    ) {
      if (used === 0) {
        scratch.set(first, 0);
        used = first.length;
      }
      scratch.set(answer, used);
      used += answer.length;
    } else if (more === null) {
      more = used === 0 ? [first, answer] : [scratch.slice(0, used), answer];
      used = 0;
    } else {
      more.push(answer);
    }
  }
  const reply = more !== null ? Buffer.concat(more) : used > 0 ? scratch.subarray(0, used) : first;
  return { reply, rest };
}
