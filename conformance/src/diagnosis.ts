/**
 * Diagnosis of a wrong or missing reply: the usual faults of Launcelot servers, each a hypothesis
 * that predicts what such a server would have sent for the client's writes. The first hypothesis
 * that explains exactly what came back names the defect and its rule; when none does, the
 * verdict stays what the check found. Everything here is pure: writes and received bytes in, a
 * diagnosis out.
 */
import { ANSWER_END, QUESTION_END } from "@bridgekeeper/spec";
import { escapeBytes } from "./bytes.js";
import { type AnswerBook, isSkippedByte, TOO_LONG_REPLY } from "./model.js";

/** What one client did and got, as the diagnosis needs it. */
export interface Conversation {
  /** The client's writes, in order (each likely one read for the server). */
  readonly writes: readonly Uint8Array[];
  /** Bytes received when each write was made: writes with a reply between them were separate reads. */
  readonly receivedAtWrite?: readonly number[];
  /** The client sent its FIN after them. */
  readonly finSent: boolean;
  /** Every byte the client received. */
  readonly received: Uint8Array;
  /** The server closed or reset the connection (which explains missing replies as well). */
  readonly serverEnded: boolean;
  readonly book: AnswerBook;
  /** Q as the oracle applies it. */
  readonly maxQuestion: number;
  /** Q was declared; undeclared, the server's own Q may be anywhere from 1024 to 65536. */
  readonly questionDeclared?: boolean;
  /** False when a table question asked alone got another reply than its answer (before the cases). */
  readonly tableAnswered?: boolean;
}

export interface Diagnosis {
  /** A stable name of the fault (shrinking stays on it). */
  readonly id: string;
  readonly rule: string;
  /** What the server does, in a sentence. */
  readonly explanation: string;
}

/** How a faulty server frames its input (the correct one: skip separators, frame the byte stream). */
interface Framing {
  readonly skipSeparators: boolean;
  /** "stream": correct; "drop-partial": an unfinished question at the end of a read is lost;
   *  "first-only": after a read's first '?' the rest of that read is lost; "whole": everything
   *  received up to a read holding '?' is one question. */
  readonly reads: "stream" | "drop-partial" | "first-only" | "whole";
  readonly answerUnfinishedAtFin: boolean;
  /** Each read is decoded as UTF-8 on its own and encoded again: a character split across reads becomes U+FFFD. */
  readonly utf8PerRead?: boolean;
  /** The question limit it applies (Infinity: none). */
  readonly maxQuestion: number;
}

/** A server reads at most this much at a time (Node's and most servers' read size). */
const READ_SIZE = 64 * 1024;
const UTF8 = new TextDecoder("utf-8");

/**
 * How the server may have read the client's writes: `joins[i]` says that write i + 1 arrived in
 * the same read as write i (writes sent back to back coalesce in the kernel); reads are pieces of
 * at most READ_SIZE.
 */
function readsOf(writes: readonly Uint8Array[], joins: readonly boolean[]): Uint8Array[] {
  const whole: Uint8Array[] = [];
  writes.forEach((w, i) => {
    if (i > 0 && joins[i - 1]) whole.push(Buffer.concat([whole.pop() as Uint8Array, w]));
    else whole.push(w);
  });
  return whole.flatMap((w) =>
    Array.from({ length: Math.max(1, Math.ceil(w.length / READ_SIZE)) }, (_, i) =>
      w.subarray(i * READ_SIZE, (i + 1) * READ_SIZE),
    ),
  );
}

/**
 * Every way of coalescing a few short writes into reads; for longer conversations, one read per
 * write or as few reads as may be. Writes with a reply between them are never joined.
 */
function readGroupings(c: Conversation): boolean[][] {
  const { writes, receivedAtWrite: at } = c;
  const joinable = writes.slice(1).map((_, i) => at === undefined || at[i + 1] === at[i]);
  const places = joinable.flatMap((ok, i) => (ok ? [i] : []));
  const bytes = writes.reduce((sum, w) => sum + w.length, 0);
  const none = joinable.map(() => false);
  if (places.length > MAX_JOINS || bytes > MAX_GROUPED_BYTES) return [none, joinable];
  return Array.from({ length: 2 ** places.length }, (_, mask) => {
    const joins = [...none];
    places.forEach((place, bit) => {
      joins[place] = ((mask >> bit) & 1) === 1;
    });
    return joins;
  });
}
const MAX_JOINS = 9;
const MAX_GROUPED_BYTES = 8192;

/** The replies a server framing its input this way sends for `c`'s writes, read as `readsOf` says. */
function framedReplies(c: Conversation, f: Framing, joins: readonly boolean[] = []): Buffer {
  const out: Buffer[] = [];
  let pending: number[] = [];
  const ask = (question: number[]): void => void out.push(c.book.replyTo(Buffer.from(question)));
  for (const write of readsOf(c.writes, joins)) {
    let bytes = Array.from(f.utf8PerRead ? Buffer.from(UTF8.decode(write), "utf8") : write);
    if (f.reads === "first-only") {
      const mark = bytes.indexOf(QUESTION_END);
      if (mark >= 0) bytes = bytes.slice(0, mark + 1);
    }
    if (f.reads === "whole") {
      pending.push(...bytes);
      if (pending.length > f.maxQuestion) {
        out.push(TOO_LONG_REPLY);
        return Buffer.concat(out);
      }
      if (bytes.includes(QUESTION_END)) {
        let start = 0;
        while (f.skipSeparators && start < pending.length && isSkippedByte(pending[start] as number)) start++;
        ask(pending.slice(start));
        pending = [];
      }
      continue;
    }
    for (const byte of bytes) {
      if (pending.length === 0 && f.skipSeparators && isSkippedByte(byte)) continue;
      pending.push(byte);
      if (pending.length > f.maxQuestion) {
        out.push(TOO_LONG_REPLY);
        return Buffer.concat(out);
      }
      if (byte === QUESTION_END) {
        ask(pending);
        pending = [];
      }
    }
    if (f.reads === "drop-partial") pending = [];
  }
  if (c.finSent && f.answerUnfinishedAtFin && pending.length > 0) ask(pending);
  return Buffer.concat(out);
}

const CORRECT: Framing = {
  skipSeparators: true,
  reads: "stream",
  answerUnfinishedAtFin: false,
  maxQuestion: 0,
};

/**
 * A server that decodes each read as UTF-8: where the bytes sent are UTF-8 as a whole, it broke
 * the characters split across reads (FRAME-4); otherwise bytes that are not UTF-8 (FRAME-3).
 */
function utf8PerRead(c: Conversation): Diagnosis {
  const sent = Buffer.concat(c.writes);
  const isUtf8 = Buffer.from(UTF8.decode(sent), "utf8").equals(sent);
  return {
    id: "utf8-per-read",
    rule: isUtf8 ? "FRAME-4" : "FRAME-3",
    explanation: isUtf8
      ? "the replies are those of a server that decodes each read as UTF-8 on its own: a character split across reads becomes U+FFFD"
      : "the replies are those of a server that decodes its reads as UTF-8: bytes that are not UTF-8 become U+FFFD",
  };
}

/** The framing faults, each changed in one way from the correct framing. */
function framingHypotheses(c: Conversation): Array<{ framing: Framing; diagnosis: Diagnosis }> {
  const correct = { ...CORRECT, maxQuestion: c.maxQuestion };
  return [
    {
      framing: { ...correct, skipSeparators: false },
      diagnosis: {
        id: "separators-not-skipped",
        rule: "FRAME-2",
        explanation:
          "the replies are this server's replies to questions that begin with the separators (SP, HT, CR, LF) sent before them: it does not skip them",
      },
    },
    {
      framing: { ...correct, reads: "drop-partial" },
      diagnosis: {
        id: "framing-per-read",
        rule: "FRAME-4",
        explanation:
          "the replies are those of a server that frames each read on its own: the part of a question that ends a read is lost",
      },
    },
    {
      framing: { ...correct, reads: "first-only" },
      diagnosis: {
        id: "first-question-per-read",
        rule: "ANSWER-2",
        explanation:
          "only the first question of each read is answered: the bytes after the first '?' of a read are lost",
      },
    },
    {
      framing: { ...correct, utf8PerRead: true },
      diagnosis: utf8PerRead(c),
    },
    {
      framing: { ...correct, reads: "whole" },
      diagnosis: {
        id: "read-as-one-question",
        rule: "FRAME-1",
        explanation:
          "everything received up to a read holding '?' is looked up as one question: a question does not end at its '?'",
      },
    },
    {
      framing: { ...correct, answerUnfinishedAtFin: true },
      diagnosis: {
        id: "unfinished-answered-at-fin",
        rule: "HALF-2",
        explanation: "the unfinished question pending at the client's FIN got a reply",
      },
    },
    {
      framing: { ...correct, maxQuestion: Number.POSITIVE_INFINITY },
      diagnosis: {
        id: "no-question-limit",
        rule: "LIMIT-QUESTION-2",
        explanation: "a question past the limit got no too-long reply: the server applies no question limit",
      },
    },
  ];
}

/** Replies cut at each '.', the last one possibly unfinished. */
function repliesOf(bytes: Uint8Array): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === ANSWER_END) {
      out.push(Buffer.from(bytes.subarray(start, i + 1)));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(Buffer.from(bytes.subarray(start)));
  return out;
}

const text = (b: Uint8Array): string => escapeBytes(b, 60);

/** The same replies in another order (all of them, or the first ones, the rest still held back). */
function reordered(expected: Buffer[], got: Buffer[]): Diagnosis | undefined {
  if (got.length > expected.length || got.length < 2) return undefined;
  const key = (list: Buffer[]): string =>
    list
      .map((b) => b.toString("latin1"))
      .sort()
      .join("\u0000");
  if (key(expected.slice(0, got.length)) !== key(got)) return undefined;
  const outOfPlace = got.find((g, i) => !g.equals(expected[i] as Buffer));
  if (outOfPlace === undefined) return undefined; // the first replies, in order: only the rest is missing
  return {
    id: "replies-reordered",
    rule: "ANSWER-2",
    explanation: `the replies owed came back in another order (the first out of place: ${text(outOfPlace)})`,
  };
}

/** Each table question answered with another entry's answer, the same way every time. */
function wrongEntry(c: Conversation, expected: Buffer[], received: Buffer[]): Diagnosis | undefined {
  // The replies that came whole (a wrong reply ends the wait soon: the last may still be arriving).
  const got = received.filter((r) => r.at(-1) === ANSWER_END);
  if (got.length === 0 || got.length > expected.length) return undefined;
  const mapping = new Map<string, string>();
  let wrong: { asked: Buffer; got: Buffer } | undefined;
  const answers = new Set(c.book.answers.map((a) => a.toString("latin1")));
  for (let i = 0; i < got.length; i++) {
    const want = (expected[i] as Buffer).toString("latin1");
    const have = (got[i] as Buffer).toString("latin1");
    if (!answers.has(want)) {
      if (want !== have) return undefined;
      continue;
    }
    if (!answers.has(have) || (mapping.has(want) && mapping.get(want) !== have)) return undefined;
    mapping.set(want, have);
    if (want !== have) wrong ??= { asked: expected[i] as Buffer, got: got[i] as Buffer };
  }
  if (!wrong) return undefined;
  // The first table question, asked alone before the cases, got its own answer: a server that
  // answers it with another entry's answer every time would not have.
  const first = (c.book.answers[0] as Buffer).toString("latin1");
  if (c.tableAnswered === true && (mapping.get(first) ?? first) !== first) return undefined;
  const question = c.book.questions[c.book.answers.findIndex((a) => a.equals(wrong.asked))];
  return {
    id: "another-entry-answer",
    rule: "ANSWER-1",
    explanation: `a table question is answered with another entry's answer, the same way every time (${text(question ?? Buffer.alloc(0))} got ${text(wrong.got)})`,
  };
}

/** The replies with the same bytes added before or after each one. */
function bytesAdded(expected: Buffer[], received: Uint8Array): Diagnosis | undefined {
  const first = expected[0];
  if (!first) return undefined;
  const whole = Buffer.from(received);
  const at = whole.indexOf(first);
  if (at < 0) return undefined;
  const prefix = whole.subarray(0, at);
  const second = expected[1];
  const after = at + first.length;
  const next = second ? whole.indexOf(Buffer.concat([prefix, second]), after) : whole.length;
  if (next < 0) return undefined;
  const suffix = whole.subarray(after, next);
  if (prefix.length + suffix.length === 0) return undefined;
  // The too-long reply, written apart from the answers by many servers, may come without them.
  const predicted = (bareTooLong: boolean): Buffer =>
    Buffer.concat(
      expected.map((r) => (bareTooLong && r.equals(TOO_LONG_REPLY) ? r : Buffer.concat([prefix, r, suffix]))),
    );
  if (!predicted(false).equals(whole) && !predicted(true).equals(whole)) return undefined;
  const added = [
    prefix.length > 0 ? `${text(prefix)} before` : "",
    suffix.length > 0 ? `${text(suffix)} after` : "",
  ];
  return {
    id: "bytes-added",
    rule: "ANSWER-1",
    explanation: `every reply comes with ${added.filter((a) => a !== "").join(" and ")} it`,
  };
}

/** Another text where the unknown reply was owed, the same each time, every other reply right. */
function otherUnknown(c: Conversation, expected: Buffer[], got: Buffer[]): Diagnosis | undefined {
  if (expected.length !== got.length) return undefined;
  let other: Buffer | undefined;
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] as Buffer;
    const have = got[i] as Buffer;
    if (want.equals(have)) continue;
    if (!want.equals(c.book.unknownReply)) return undefined;
    if (other && !other.equals(have)) return undefined;
    other = have;
  }
  if (!other || other[other.length - 1] !== ANSWER_END || other.equals(TOO_LONG_REPLY)) return undefined;
  return {
    id: "other-unknown-reply",
    rule: "UNKNOWN-1",
    explanation: `the reply to an unknown question is ${text(other)}, every time, not ${text(c.book.unknownReply)}`,
  };
}

/** The too-long reply came after fewer bytes of the question than the limit. */
function tooLongEarly(c: Conversation, received: Uint8Array): Diagnosis | undefined {
  const whole = Buffer.from(received);
  if (!whole.subarray(whole.length - TOO_LONG_REPLY.length).equals(TOO_LONG_REPLY)) return undefined;
  for (const q of [1024, 2048, 4096, 8192, 16384, 32768]) {
    if (q >= c.maxQuestion) break;
    if (framedReplies(c, { ...CORRECT, maxQuestion: q }).equals(whole))
      return {
        id: "too-long-early",
        rule: "LIMIT-QUESTION-1",
        explanation: `the too-long reply came for a question within the limit: the server acts at ${q} bytes, not past ${c.maxQuestion}`,
      };
  }
  return undefined;
}

/**
 * The fault that explains exactly what came back on this connection, if one does. `received`
 * must be everything the client got (the check waited until no more came).
 */
/**
 * A prediction that only lacks replies (a prefix of the correct ones) is no evidence when nothing
 * came, or when the server ended the connection: silence and a close explain it as well.
 */
function onlyMissing(c: Conversation, predicted: Buffer, correct: Buffer): boolean {
  const prefix = predicted.length < correct.length && correct.subarray(0, predicted.length).equals(predicted);
  return prefix && (predicted.length === 0 || c.serverEnded);
}

/**
 * The framing fault that explains what came back. When several explain the same bytes, the one
 * that needs the fewest writes coalesced into one read is taken; among those, the one under the
 * check's own rule (`checkRule`); otherwise the bytes do not tell them apart and none is named.
 */
function framingFault(
  c: Conversation,
  received: Buffer,
  correct: Buffer,
  checkRule?: string,
): Diagnosis | undefined {
  const explained = framingHypotheses(c).flatMap(({ framing, diagnosis }) => {
    const joins = predictions(c, framing)
      .filter(
        (p) =>
          p.replies.equals(received) && !p.replies.equals(correct) && !onlyMissing(c, p.replies, correct),
      )
      .map((p) => p.joins);
    return joins.length > 0 ? [{ diagnosis, joins: Math.min(...joins) }] : [];
  });
  const fewest = Math.min(...explained.map((e) => e.joins));
  const matches = explained.filter((e) => e.joins === fewest).map((e) => e.diagnosis);
  if (matches.length <= 1) return matches[0];
  // Faults of framing by reads that these bytes cannot tell apart: named by what they share, whatever
  // the check (its own rule would only pick one of them by chance).
  const ids = matches.map((d) => d.id);
  if (ids.every((id) => READ_FAULTS.has(id)))
    return ids.includes("framing-per-read") || ids.includes("utf8-per-read")
      ? FRAMED_BY_READS
      : PIPELINED_LOST;
  return matches.find((d) => d.rule === checkRule);
}

/** The faults of a server that frames its reads, not the byte stream. */
const READ_FAULTS: ReadonlySet<string> = new Set([
  "framing-per-read",
  "first-question-per-read",
  "read-as-one-question",
  "utf8-per-read",
]);

/**
 * Whether a diagnosis is one of the faults of framing by reads, or their joint name: the same
 * defect seen through bytes that tell its variants apart or not.
 */
export function framesByReads(id: string): boolean {
  return READ_FAULTS.has(id) || id === FRAMED_BY_READS.id || id === PIPELINED_LOST.id;
}

const FRAMED_BY_READS: Diagnosis = {
  id: "framed-by-reads",
  rule: "FRAME-4",
  explanation:
    "the replies depend on how the bytes were split into reads: a question that spans reads, or follows another in one read, is lost or misread",
};

const PIPELINED_LOST: Diagnosis = {
  id: "pipelined-lost",
  rule: "ANSWER-2",
  explanation:
    "the questions after the first '?' of a read get no reply of their own (lost, or taken as one question with the first)",
};

/** Undeclared, the server's Q is one of these as far as a prediction goes (the too-long reply's place). */
const UNDECLARED_Q = [1024, 2048, 4096, 8192, 16384, 32768, 65536];

/** What a server framing this way may have sent, and how many writes each prediction coalesced. */
interface Prediction {
  readonly replies: Buffer;
  readonly joins: number;
}

/** What a server framing this way may have sent: its reads as written or coalesced (`readGroupings`), at its own Q when undeclared. */
function predictions(c: Conversation, framing: Framing): Prediction[] {
  const bytes = c.writes.reduce((sum, w) => sum + w.length, 0);
  // Undeclared, every Q at or past the bytes sent predicts the same: the first of them stands for all.
  const limits =
    c.questionDeclared === false && Number.isFinite(framing.maxQuestion)
      ? UNDECLARED_Q.filter((q, i) => q < bytes || i === 0 || (UNDECLARED_Q[i - 1] as number) < bytes)
      : [framing.maxQuestion];
  const groupings = readGroupings(c);
  return limits.flatMap((maxQuestion) =>
    groupings.map((joins) => ({
      replies: framedReplies(c, { ...framing, maxQuestion }, joins),
      joins: joins.filter(Boolean).length,
    })),
  );
}

/**
 * The replies a conforming server owes for these writes. Q undeclared, its own Q may be anywhere
 * from 1024 up: when a too-long reply came, the smallest Q that puts one there is taken.
 */
function correctReplies(c: Conversation, received: Buffer): Buffer {
  const at = (maxQuestion: number): Buffer => framedReplies(c, { ...CORRECT, maxQuestion });
  const declared = at(c.maxQuestion);
  if (c.questionDeclared !== false || !received.includes(TOO_LONG_REPLY)) return declared;
  for (const q of UNDECLARED_Q) {
    const replies = at(q);
    if (replies.includes(TOO_LONG_REPLY)) return replies;
  }
  return declared;
}

/**
 * Table answers in the wrong places: reordered (ANSWER-2) or another entry's, the same way every
 * time (ANSWER-1). A batch answered with a consistent permutation fits both. Then another entry's
 * answer is taken when a question asked alone got a wrong answer too (reordering needs two
 * questions); else the one under the check's own rule, else the reordering.
 */
function answersMixedUp(
  c: Conversation,
  expected: Buffer[],
  got: Buffer[],
  checkRule: string | undefined,
): Diagnosis | undefined {
  const fits = [reordered(expected, got), wrongEntry(c, expected, got)].filter(
    (d): d is Diagnosis => d !== undefined,
  );
  if (c.tableAnswered === false && fits.length > 1) return fits.find((d) => d.id === "another-entry-answer");
  return fits.find((d) => d.rule === checkRule) ?? fits[0];
}

export function diagnose(c: Conversation, checkRule?: string): Diagnosis | undefined {
  const received = Buffer.from(c.received);
  const correct = correctReplies(c, received);
  if (correct.equals(received)) return undefined;
  const framing = framingFault(c, received, correct, checkRule);
  const early = tooLongEarly(c, received);
  // Both explain the bytes (a question of bytes that are not UTF-8 grows past Q once decoded): a
  // framing fault of the failed check's own rule stands, else the simpler one, a Q set too low.
  if (framing) return early && framing.rule !== checkRule ? early : framing;
  const expected = repliesOf(correct);
  const got = repliesOf(received);
  return (
    early ??
    otherUnknown(c, expected, got) ??
    answersMixedUp(c, expected, got, checkRule) ??
    bytesAdded(expected, received)
  );
}
