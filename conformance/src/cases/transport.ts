/** Spec section 3: transport. */

import { type ConformanceCase, scenario } from "../case.js";
import { expectReplies, expectSilence } from "../checks.js";
import { expectedReplies } from "../model.js";

export const transportCases: ConformanceCase[] = [
  scenario({
    id: "transport.server-speaks-second",
    title: "The server sends nothing before the first question is complete",
    section: "3",
    rules: ["TRANSPORT-1"],
    async run(ctx, env) {
      const client = await env.clients.open();
      const question = ctx.book.questions[0] as Buffer;
      await expectSilence(client, 0, ctx.floorMs / 2, "TRANSPORT-1", "before the client sends anything");
      await client.send(question.subarray(0, question.length - 1));
      await expectSilence(
        client,
        0,
        ctx.floorMs / 2,
        "TRANSPORT-1",
        "before the first question is complete (no '?' yet)",
      );
      await client.send(question.subarray(question.length - 1));
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
      await expectReplies(ctx, client, replies, {
        rule: "ANSWER-1",
        situation: "once the question is complete",
      });
      return undefined;
    },
  }),
];
