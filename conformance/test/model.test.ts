import { splitAt } from "@bridgekeeper/client-kit";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fragmentedQuestions, garbageBytes, splitPoints, utf8InteriorPoints } from "../src/arbitraries.js";
import {
  AnswerBook,
  ConversationModel,
  expectedReplies,
  TOO_LONG_REPLY,
  UNKNOWN_REPLY,
} from "../src/model.js";
import { QuestionChunker, ReplyVerifier } from "../src/stream.js";

const text = new TextEncoder();
const book = new AnswerBook({
  name: "test",
  entries: [
    {
      question: text.encode("What is your name?"),
      answer: text.encode("My name is Sir Lancelot of Camelot."),
    },
    { question: text.encode("Qué?"), answer: text.encode("Ñandú.") },
  ],
});
const replies = (input: string | Buffer, q = 4096) =>
  expectedReplies(book, q, typeof input === "string" ? Buffer.from(input) : input);
const texts = (input: string | Buffer, q = 4096) => replies(input, q).replies.map((r) => r.reply.toString());

describe("the oracle", () => {
  it("answers table questions byte for byte, and unknown ones with the unknown reply", () => {
    expect(texts("What is your name?")).toEqual(["My name is Sir Lancelot of Camelot."]);
    expect(texts("Qué?What?")).toEqual(["Ñandú.", UNKNOWN_REPLY.toString()]);
    expect(texts("what is your name?")).toEqual([UNKNOWN_REPLY.toString()]);
  });

  it("skips SP HT CR LF where a question starts, but not inside one", () => {
    expect(texts(" \t\r\nWhat is your name?\r\n")).toEqual(["My name is Sir Lancelot of Camelot."]);
    expect(texts("What is  your name?")).toEqual([UNKNOWN_REPLY.toString()]);
    expect(texts("What is your name ?")).toEqual([UNKNOWN_REPLY.toString()]);
    expect(texts("\r\n\r\n")).toEqual([]);
  });

  it("treats NUL and high bytes as question bytes and a lone '?' as a question", () => {
    expect(texts(Buffer.from([0, 0xff, 0x3f]))).toEqual([UNKNOWN_REPLY.toString()]);
    expect(texts("?")).toEqual([UNKNOWN_REPLY.toString()]);
  });

  it("gives nothing for an unfinished question", () => {
    expect(texts("What is your")).toEqual([]);
  });

  it("demands the too-long reply and a close once a question passes Q bytes", () => {
    const atLimit = `${"x".repeat(1023)}?`;
    expect(replies(atLimit, 1024)).toMatchObject({ mustClose: false });
    const over = replies(`What is your name?${"x".repeat(1024)}?What is your name?`, 1024);
    expect(over.replies.map((r) => r.kind)).toEqual(["answer", "too-long"]);
    expect(over.replies[1]?.reply.equals(TOO_LONG_REPLY)).toBe(true);
    expect(over.mustClose).toBe(true);
    // An unfinished question acts as soon as it has Q + 1 bytes, '?' or not.
    expect(replies("y".repeat(1025), 1024).mustClose).toBe(true);
    expect(replies("y".repeat(1024), 1024).mustClose).toBe(false);
    // Skipped separators do not count toward the limit.
    expect(replies(`${" ".repeat(2000)}${"x".repeat(1023)}?`, 1024).mustClose).toBe(false);
  });

  it("gives the same replies however the stream is split (property)", () => {
    fc.assert(
      fc.property(
        fc
          .oneof(
            fragmentedQuestions(book, 6).map((v) => v.stream),
            garbageBytes(3000),
          )
          .chain((stream) => fc.tuple(fc.constant(stream), splitPoints(stream.length))),
        ([stream, points]) => {
          const whole = expectedReplies(book, 1024, stream);
          const model = new ConversationModel(book, 1024);
          const pieces = splitAt(stream, points).flatMap((piece) => model.feed(piece));
          expect(Buffer.concat(pieces.map((r) => r.reply))).toEqual(
            Buffer.concat(whole.replies.map((r) => r.reply)),
          );
          expect(model.closed).toBe(whole.mustClose);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the streaming reply verifier", () => {
  it("accepts exactly the replies of the seeded sequence and pinpoints a corruption", () => {
    const chunker = new QuestionChunker(book, 42);
    const stream = Buffer.concat([chunker.chunk(5000), chunker.chunk(5000)]);
    const owed = Buffer.concat(expectedReplies(book, 4096, stream).replies.map((r) => r.reply));
    expect(ReplyVerifier.totalFor(book, 42, chunker.questions)).toBe(owed.length);
    const good = new ReplyVerifier(book, 42);
    for (const piece of splitAt(owed, [1, 7, 100, 2000])) good.feed(piece);
    expect(good.mismatch).toBeNull();
    expect(good.verified).toBe(owed.length);
    const broken = Buffer.from(owed);
    broken[777] = 0x21;
    const bad = new ReplyVerifier(book, 42);
    bad.feed(broken);
    expect(bad.mismatch).toContain("byte 777");
  });
});

describe("split points inside UTF-8 characters", () => {
  it("are the offsets of continuation bytes", () => {
    // "Qué?" = 51 75 c3 a9 3f: the only interior point is before 0xa9.
    expect(utf8InteriorPoints(Buffer.from("Qué?"))).toEqual([3]);
    expect(utf8InteriorPoints(Buffer.from("ab?"))).toEqual([]);
    expect(utf8InteriorPoints(Buffer.from("€"))).toEqual([1, 2]);
  });

  it("are chosen by fragmentedQuestions when the table has multi-byte characters", () => {
    const seen = fc.sample(fragmentedQuestions(book, 3), { numRuns: 200, seed: 1 });
    const splitsInside = seen.filter(({ stream, splits }) =>
      splits.some((p) => utf8InteriorPoints(stream).includes(p)),
    );
    expect(splitsInside.length).toBeGreaterThan(20);
  });
});
