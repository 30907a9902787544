/** Spec section 5: replies (ANSWER-1/2, UNKNOWN-1/2). */
import { splitAt } from "@bridgekeeper/client-kit";
import * as fc from "fast-check";
import { mixedQuestion, pipelineBatches, questionSequence, unknownQuestion } from "../arbitraries.js";
import { type ConformanceCase, property } from "../case.js";
import { askInLockStep, expectReplies, expectUsable } from "../checks.js";
import { play, withPauses } from "../faults.js";
import { ConversationModel, expectedReplies } from "../model.js";

export const replyCases: ConformanceCase[] = [
  property({
    id: "reply.lockstep",
    title: "Lock-step conversations with random sequences of table questions",
    section: "5",
    rules: ["ANSWER-1"],
    runs: 20,
    arbitrary: (ctx) => questionSequence(ctx.book, 1, 12),
    async check(ctx, questions: Buffer[], env) {
      const client = await env.clients.open();
      await askInLockStep(ctx, client, questions, { rule: "ANSWER-1", situation: "in lock-step" });
    },
  }),
  property({
    id: "reply.pipelined",
    title: "Pipelined batches, each in one write or cut between questions: answers byte-exact, in order",
    section: "5",
    rules: ["ANSWER-2", "ANSWER-1"],
    runs: 15,
    arbitrary: (ctx) => pipelineBatches(ctx.book),
    async check(ctx, batches: Array<{ stream: Buffer; splits: number[] }>, env) {
      const client = await env.clients.open();
      const model = new ConversationModel(ctx.book, ctx.limits.maxQuestion);
      let offset = 0;
      for (const batch of batches) {
        await play(client, withPauses(splitAt(batch.stream, batch.splits), 0));
        const owed = model.feed(batch.stream);
        offset = await expectReplies(ctx, client, owed, {
          from: offset,
          rule: "ANSWER-2",
          situation: `to a batch of ${owed.length} pipelined questions`,
        });
      }
    },
  }),
  property({
    id: "reply.unknown",
    title:
      "Unknown questions mixed into good ones: the exact reply, the stream in sync, the connection usable",
    section: "5.1",
    rules: ["UNKNOWN-1", "UNKNOWN-2"],
    runs: 20,
    arbitrary: (ctx) =>
      fc.tuple(
        fc.array(mixedQuestion(ctx.book), { minLength: 0, maxLength: 8 }),
        unknownQuestion(ctx.book),
        fc.boolean(),
      ),
    async check(ctx, [questions, unknown, pipelined]: [Buffer[], Buffer, boolean], env) {
      const client = await env.clients.open();
      const all = [...questions, unknown];
      let offset = 0;
      if (pipelined) {
        const stream = Buffer.concat(all);
        await client.send(stream);
        const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, stream);
        offset = await expectReplies(ctx, client, replies, {
          rule: "UNKNOWN-2",
          situation: "to pipelined known and unknown questions",
        });
      } else {
        offset = await askInLockStep(ctx, client, all, {
          from: offset,
          rule: "UNKNOWN-2",
          situation: "in lock-step",
        });
      }
      await expectUsable(ctx, client, offset, "UNKNOWN-2", "after an unknown question");
    },
  }),
];
