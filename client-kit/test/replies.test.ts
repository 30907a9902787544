/** The toolkit's streams and checks, fed every way a stream can be split. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CyclicOrder,
  concatBytes,
  Prng,
  QuestionChunker,
  type QuestionSet,
  questionsWithin,
  ReplyChecker,
  replyBytesFor,
  SeededOrder,
  shellQuote,
  splitAt,
} from "../src/index.js";

const enc = (text: string): Buffer => Buffer.from(text, "latin1");
const set: QuestionSet = {
  questions: [enc("What is your name?"), enc("What is your quest?"), enc("?")],
  replies: [
    enc("My name is Sir Lancelot of Camelot."),
    enc("To seek the Holy Grail."),
    enc("I don't know that."),
  ],
};

/** The replies a correct server sends for the first `n` questions of a seeded order. */
function owed(seed: number, n: number): Buffer {
  const order = new SeededOrder(seed, set.questions.length);
  return concatBytes(Array.from({ length: n }, () => set.replies[order.next()] as Uint8Array));
}

describe("Prng and question orders", () => {
  it("repeat exactly for the same seed, and differ for another", () => {
    const draw = (seed: number): number[] => {
      const prng = new Prng(seed);
      return Array.from({ length: 20 }, () => prng.below(1000));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(
      Array.from(
        { length: 5 },
        (() => {
          const order = new CyclicOrder(2, 3);
          return () => order.next();
        })(),
      ),
    ).toEqual([2, 0, 1, 2, 0]);
  });

  it("chunk whole questions that a regenerated order accounts for, byte for byte", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 500 }), (seed, size) => {
        const chunker = new QuestionChunker(set, new SeededOrder(seed, 3));
        const bytes = chunker.chunk(size);
        expect(bytes.length).toBe(chunker.bytes);
        expect(questionsWithin(set, new SeededOrder(seed, 3), bytes.length)).toBe(chunker.questions);
        expect(replyBytesFor(set, new SeededOrder(seed, 3), chunker.questions)).toBe(
          owed(seed, chunker.questions).length,
        );
      }),
    );
  });

  it("put CR LF between questions when asked, and nothing else", () => {
    const chunker = new QuestionChunker(set, new CyclicOrder(0, 3), { crlfOneIn: 2, padding: 2, seed: 3 });
    const text = chunker.chunk(200).toString("latin1");
    expect(text.replaceAll("\r\n", "")).toMatch(/^(What is your name\?What is your quest\?\?)+/);
    expect(text).toContain("\r\n\r\n");
  });
});

describe("ReplyChecker", () => {
  it("accepts the owed replies however they are split, and counts each", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 40 }), fc.array(fc.nat()), (seed, n, cuts) => {
        const stream = owed(seed, n);
        const checker = new ReplyChecker(set.replies, new SeededOrder(seed, 3));
        checker.expectedReplies = n;
        let ended = 0;
        for (const piece of splitAt(
          stream,
          cuts.map((c) => c % (stream.length + 1)),
        ))
          ended += checker.feed(piece);
        expect([ended, checker.correct, checker.wrong, checker.verified]).toEqual([n, n, 0, stream.length]);
        expect(checker.complete).toBe(true);
        expect(checker.mismatch).toBeUndefined();
      }),
    );
  });

  it("keeps the first difference, counts the wrong reply, and goes on at the next reply", () => {
    const stream = owed(5, 6);
    const first = (set.replies[new SeededOrder(5, 3).next()] as Uint8Array).length;
    const broken = Buffer.concat([stream.subarray(0, first + 3), enc("X"), stream.subarray(first + 4)]);
    const checker = new ReplyChecker(set.replies, new SeededOrder(5, 3));
    expect(checker.feed(broken)).toBe(6);
    expect([checker.correct, checker.wrong, checker.verified]).toEqual([5, 1, first + 3]);
    expect(checker.mismatch).toMatchObject({ offset: first + 3, reply: 1, byteInReply: 3 });
    expect(checker.describeMismatch()).toContain('got "X');
  });

  it("calls bytes past the owed replies a mismatch, and a reply cut short mid-reply", () => {
    const checker = new ReplyChecker(set.replies, new CyclicOrder(0, 3));
    checker.expectedReplies = 1;
    checker.feed(enc("My name is Sir Lancelot of Camelot.extra"));
    expect(checker.mismatch).toMatchObject({ offset: 35, reply: 1 });
    const cut = new ReplyChecker(set.replies, new CyclicOrder(0, 3));
    cut.feed(enc("My name is"));
    expect([cut.midReply, cut.complete]).toEqual([true, false]);
  });
});

describe("splitAt and shellQuote", () => {
  it("cuts at sorted, unique, in-range points and joins back to the same bytes", () => {
    expect(splitAt(enc("abcdef"), [4, 2, 2, 0, 9]).map((b) => b.toString())).toEqual(["ab", "cd", "ef"]);
    fc.assert(
      fc.property(fc.uint8Array(), fc.array(fc.integer()), (bytes, points) => {
        expect(Buffer.compare(concatBytes(splitAt(bytes, points)), Buffer.from(bytes))).toBe(0);
      }),
    );
  });

  it("leaves safe words bare and quotes the rest so /bin/sh reads them back", () => {
    expect(shellQuote("exec:node")).toBe("exec:node");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
