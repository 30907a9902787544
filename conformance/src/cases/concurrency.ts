/** Many clients at once (spec 5 and 7.3): no cross-talk, no stall. */
import { splitAt } from "@bridgekeeper/client-kit";
import * as fc from "fast-check";
import { mixedQuestion, splitPoints } from "../arbitraries.js";
import { type ConformanceCase, property } from "../case.js";
import { expectReplies } from "../checks.js";
import { play, withPauses } from "../faults.js";
import { ConversationModel } from "../model.js";

interface ClientScript {
  readonly stream: Buffer;
  readonly splits: number[];
  readonly lockStep: boolean;
  readonly pauseMs: number;
}

const clientScript = (ctx: Parameters<typeof mixedQuestion>[0]) =>
  fc
    .tuple(
      fc.array(mixedQuestion(ctx), { minLength: 1, maxLength: 8 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 20 }),
    )
    .chain(([questions, lockStep, pauseMs]) => {
      const stream = Buffer.concat(questions);
      return splitPoints(stream.length).map(
        (splits): ClientScript => ({ stream, splits, lockStep, pauseMs }),
      );
    });

export const concurrencyCases: ConformanceCase[] = [
  property({
    id: "conn.interleaved",
    title: "Many clients with random interleaved scripts: each gets its own replies, in order, no stall",
    section: "7.3",
    rules: ["FAIR-1", "ANSWER-2", "ANSWER-1"],
    runs: 6,
    arbitrary: (ctx) => fc.array(clientScript(ctx.book), { minLength: 2, maxLength: 24 }),
    async check(ctx, scripts: ClientScript[], env) {
      const clients = await Promise.all(scripts.map(() => env.clients.open()));
      await Promise.all(
        scripts.map(async (script, i) => {
          const client = clients[i];
          if (!client) return;
          const model = new ConversationModel(ctx.book, ctx.limits.maxQuestion);
          let offset = 0;
          for (const piece of splitAt(script.stream, script.splits)) {
            await play(client, withPauses([piece], 0));
            const owed = model.feed(piece);
            if (script.lockStep && owed.length > 0) {
              offset = await expectReplies(ctx, client, owed, {
                from: offset,
                rule: "FAIR-1",
                situation: `on connection c${client.id} among ${scripts.length}`,
              });
            } else if (!script.lockStep && owed.length > 0) {
              const from = offset;
              offset += owed.reduce((n, r) => n + r.reply.length, 0);
              await client.pause(script.pauseMs);
              await expectReplies(ctx, client, owed, {
                from,
                rule: "ANSWER-2",
                situation: `pipelined on connection c${client.id} among ${scripts.length}`,
              });
            }
          }
        }),
      );
    },
  }),
];
