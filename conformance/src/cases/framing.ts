/** Spec section 4: framing (FRAME-1..4). */
import { splitAt } from "@bridgekeeper/client-kit";
import * as fc from "fast-check";
import {
  fragmentedQuestions,
  garbageBytes,
  mixedQuestion,
  separators,
  tableQuestion,
} from "../arbitraries.js";
import { escapeBytes } from "../bytes.js";
import { type ConformanceCase, property } from "../case.js";
import { askInLockStep, expectReplies } from "../checks.js";
import { play, withPauses } from "../faults.js";
import { ConversationModel, expectedReplies } from "../model.js";
import { Violation } from "../verdicts.js";

export const framingCases: ConformanceCase[] = [
  property({
    id: "frame.fragmented",
    title: "Questions split at random points, down to one byte per write with pauses",
    section: "4.2",
    rules: ["FRAME-4", "FRAME-1", "ANSWER-1"],
    runs: 8,
    arbitrary: (ctx) => fragmentedQuestions(ctx.book, 4),
    async check(ctx, value: { stream: Buffer; splits: number[] }, env) {
      const client = await env.clients.open();
      const model = new ConversationModel(ctx.book, ctx.limits.maxQuestion);
      let expectedSoFar = 0;
      const pieces = splitAt(value.stream, value.splits);
      for (const piece of pieces) {
        await client.send(piece);
        const owed = model.feed(piece);
        if (owed.length > 0) {
          expectedSoFar = await expectReplies(ctx, client, owed, {
            from: expectedSoFar,
            rule: "FRAME-4",
            situation: "to a question sent in pieces",
          });
        } else {
          await client.pause(ctx.pauseMs);
          if (client.receivedCount > expectedSoFar) {
            throw new Violation(
              "FRAME-1",
              `no reply while the question is unfinished (${model.pendingBytes} bytes, no '?' yet)`,
              escapeBytes(client.received.subarray(expectedSoFar), 80),
            );
          }
        }
      }
    },
  }),
  property({
    id: "frame.separators",
    title: "SP, HT, CR and LF between questions are skipped; inside a question they are ordinary bytes",
    section: "4.1",
    rules: ["FRAME-2", "FRAME-1"],
    runs: 15,
    arbitrary: (ctx) =>
      fc.array(
        fc.oneof(
          fc.tuple(separators(6), tableQuestion(ctx.book)).map(([s, q]) => Buffer.concat([s, q])),
          // A separator inside a question makes it another (unknown) question.
          fc
            .tuple(tableQuestion(ctx.book), fc.nat(), fc.constantFrom(" ", "\t", "\r\n", "\n"))
            .map(([q, at, sep]) => {
              const cut = 1 + (at % (q.length - 1));
              return Buffer.concat([q.subarray(0, cut), Buffer.from(sep), q.subarray(cut)]);
            }),
        ),
        { minLength: 1, maxLength: 6 },
      ),
    async check(ctx, questions: Buffer[], env) {
      const client = await env.clients.open();
      await askInLockStep(ctx, client, questions, {
        rule: "FRAME-2",
        situation: (question) => `to ${escapeBytes(question, 60)}`,
      });
    },
  }),
  property({
    id: "frame.byte-values",
    title: "NUL, high bytes and invalid UTF-8 are question bytes; the stream stays in sync",
    section: "4.1",
    rules: ["FRAME-3", "FRAME-1", "UNKNOWN-2"],
    runs: 15,
    arbitrary: (ctx) => fc.tuple(garbageBytes(300), mixedQuestion(ctx.book)),
    async check(ctx, [garbage, question]: [Buffer, Buffer], env) {
      const client = await env.clients.open();
      const stream = Buffer.concat([garbage, Buffer.from("?"), question]);
      await play(client, withPauses(splitAt(stream, [garbage.length + 1]), ctx.pauseMs));
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, stream);
      await expectReplies(ctx, client, replies, {
        rule: "FRAME-3",
        situation: "to arbitrary bytes ended by '?', then a question",
      });
    },
  }),
];
