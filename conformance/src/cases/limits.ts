/** Spec section 6: the question limit (LIMIT-QUESTION-1/2) and garbage input. */
import { splitAt } from "@bridgekeeper/client-kit";
import * as fc from "fast-check";
import { garbageBytes, splitPoints, tableQuestion } from "../arbitraries.js";
import { type ConformanceCase, property } from "../case.js";
import { expectClose, expectReplies, expectUsable } from "../checks.js";
import type { WireClient } from "../client.js";
import { play, withPauses } from "../faults.js";
import { expectedReplies, isSkippedByte } from "../model.js";

/** `length` bytes of question body (no '?', not starting with a skipped byte) from a seed byte. */
function body(length: number, fill: number): Buffer {
  const bytes = Buffer.alloc(length, fill === 0x3f ? 0x21 : fill);
  if (isSkippedByte(bytes[0] as number)) bytes[0] = 0x41;
  return bytes;
}

/** Bytes per write of an over-long question when Q is undeclared. */
const UNDECLARED_PIECE = 2048;

/** Writes `stream` in pieces, a pause apart, until `done()` holds or the connection ends. */
async function sendUntil(
  client: WireClient,
  stream: Buffer,
  piece: number,
  pauseMs: number,
  done: () => boolean,
): Promise<void> {
  for (let at = 0; at < stream.length && !done() && !client.ended; at += piece) {
    if (at > 0) await client.pause(pauseMs);
    await client.send(stream.subarray(at, at + piece));
  }
}

export const limitCases: ConformanceCase[] = [
  property({
    id: "limit.question-floor",
    title: "Questions of up to 1024 bytes (and up to Q, when declared) are answered",
    section: "6.1",
    rules: ["LIMIT-QUESTION-1"],
    runs: 6,
    arbitrary: (ctx) =>
      fc.tuple(
        fc.oneof(
          fc.constant(1024),
          fc.constant(ctx.limits.answeredQuestion),
          fc.integer({ min: 2, max: ctx.limits.answeredQuestion }),
        ),
        fc.integer({ min: 0x21, max: 0xff }),
        fc.integer({ min: 0, max: 3 }),
      ),
    async check(ctx, [length, fill, pieces]: [number, number, number], env) {
      const client = await env.clients.open();
      const question = Buffer.concat([body(length - 1, fill), Buffer.from("?")]);
      const cuts = Array.from({ length: pieces }, (_, i) => Math.floor(((i + 1) * length) / (pieces + 1)));
      await play(client, withPauses(splitAt(question, cuts), ctx.pauseMs));
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
      const offset = await expectReplies(ctx, client, replies, {
        rule: "LIMIT-QUESTION-1",
        situation: `to a ${length}-byte question`,
      });
      await expectUsable(ctx, client, offset, "LIMIT-QUESTION-1", `after a ${length}-byte question`);
    },
  }),
  property({
    id: "limit.over-long",
    title:
      'A question past Q bytes (past 65536 when Q is undeclared): the owed replies, then "Your question is too long.", then close',
    section: "6.1",
    rules: ["LIMIT-QUESTION-2"],
    runs: 8,
    arbitrary: (ctx) =>
      fc.record({
        before: fc.array(tableQuestion(ctx.book), { maxLength: 3 }),
        excess: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 8192 })),
        fill: fc.integer({ min: 0x21, max: 0xff }),
        ended: fc.boolean(),
        pieces: fc.integer({ min: 1, max: 4 }),
      }),
    async check(
      ctx,
      value: { before: Buffer[]; excess: number; fill: number; ended: boolean; pieces: number },
      env,
    ) {
      const client = await env.clients.open();
      const length = ctx.limits.maxQuestion + value.excess;
      const long = value.ended
        ? Buffer.concat([body(length - 1, value.fill), Buffer.from("?")])
        : body(length, value.fill);
      const stream = Buffer.concat([...value.before, long]);
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, stream);
      if (ctx.limits.questionDeclared) {
        const cuts = Array.from({ length: value.pieces - 1 }, (_, i) =>
          Math.floor(((i + 1) * stream.length) / value.pieces),
        );
        await play(client, withPauses(splitAt(stream, cuts), ctx.pauseMs));
      } else {
        // Q unknown: the server may act anywhere past 1024 bytes. Stop sending once it has, so our
        // own bytes do not reset a connection it closed (spec 6.1).
        const owed = replies.reduce((n, r) => n + r.reply.length, 0);
        await sendUntil(client, stream, UNDECLARED_PIECE, ctx.pauseMs, () => client.receivedCount >= owed);
      }
      await expectReplies(ctx, client, replies, {
        rule: "LIMIT-QUESTION-2",
        situation: `for ${value.before.length} questions then ${length} bytes of one question (${ctx.limits.questionDeclared ? `Q=${ctx.limits.maxQuestion}` : "Q undeclared: acted on by 65537 bytes"})`,
      });
      await expectClose(ctx, client, "LIMIT-QUESTION-2", 'after "Your question is too long."');
    },
  }),
  property({
    id: "limit.garbage",
    title:
      "Random bytes (NUL, high bytes, long runs without '?'): the replies the spec demands, the server responsive",
    section: "6.1",
    rules: ["FRAME-3", "LIMIT-QUESTION-2", "ROBUST-1"],
    runs: 12,
    arbitrary: (ctx) =>
      // Undeclared Q: no question longer than the floor, which every server answers.
      garbageBytes(
        ctx.limits.questionDeclared ? ctx.limits.maxQuestion + 2048 : ctx.limits.answeredQuestion - 1,
      ).chain((stream) =>
        splitPoints(stream.length).map((splits) => ({ stream, splits: splits.slice(0, 16) })),
      ),
    async check(ctx, value: { stream: Buffer; splits: number[] }, env) {
      const client = await env.clients.open();
      // The garbage may end inside a question: a '?' ends it, then a table question shows the stream is in sync.
      const tail = Buffer.concat([Buffer.from("?"), ctx.book.questions[0] as Buffer]);
      await play(client, withPauses([...splitAt(value.stream, value.splits), tail], 0));
      const { replies, mustClose } = expectedReplies(
        ctx.book,
        ctx.limits.maxQuestion,
        Buffer.concat([value.stream, tail]),
      );
      await expectReplies(ctx, client, replies, {
        rule: "FRAME-3",
        situation: "to random bytes, '?', then a table question",
      });
      if (mustClose) await expectClose(ctx, client, "LIMIT-QUESTION-2", 'after "Your question is too long."');
    },
  }),
];
