/** Spec section 8: half-close (HALF-1/2), resets (RESET-1) and robustness (ROBUST-1). */
import { splitAt } from "@bridgekeeper/client-kit";
import * as fc from "fast-check";
import { mixedQuestion, type ResetPoint, resetPoint, splitPoints } from "../arbitraries.js";

import { type CaseContext, type ConformanceCase, property, type RunEnv, scenario } from "../case.js";
import { blockedBehind, expectClose, expectReplies, expectUsable } from "../checks.js";
import type { WireClient } from "../client.js";
import { play, withPauses } from "../faults.js";
import { type ExpectedReply, expectedReplies } from "../model.js";
import { QuestionChunker } from "../stream.js";
import { bytesReadByServer, serverAccepted } from "../tcp-queues.js";
import { Violation } from "../verdicts.js";
import { halfCloseHeld } from "./half-close-held.js";

/** Bytes of an unfinished question: no '?', not starting with a skipped byte. */
const unfinishedTail = fc
  .array(
    fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x3f),
    { minLength: 0, maxLength: 40 },
  )
  .map((b) => Buffer.from(b))
  .map((b) =>
    b.length > 0 && [0x20, 0x09, 0x0d, 0x0a].includes(b[0] as number)
      ? Buffer.concat([Buffer.from("x"), b])
      : b,
  );

/**
 * What shows that the server had not come to this connection while the cases beside held others:
 * it had not accepted it (still in its listen queue), or had read none of its bytes.
 */
async function notComeTo(ctx: CaseContext, client: WireClient): Promise<string | undefined> {
  if (client.receivedCount > 0 || client.ended) return undefined;
  if ((await serverAccepted(client.localPort, ctx.target.port)) === false)
    return `the server had not accepted c${client.id} (it was still in the listen queue)`;
  const written = client.writtenCount;
  if (written > 0 && (await bytesReadByServer(client.localPort, ctx.target.port, written)) === 0)
    return `the server had read none of the ${written} bytes of c${client.id} (they are still in its receive queue)`;
  return undefined;
}

/**
 * Replies, or the close, missing after a FIN while connections of the cases beside this one are
 * open, on a connection the server had not come to yet, or (given the replies `owed`, when they
 * were what was missing) whose replies all came after the wait. The server serves a bounded number
 * of clients at a time; the FIN made no difference (FAIR-1, not HALF-1).
 */
async function servedLateBehindOthers(
  ctx: CaseContext,
  client: WireClient,
  afterFin: Violation,
  owed?: Buffer,
): Promise<Violation | undefined> {
  const others = client.openBesideCase;
  if (others <= 0) return undefined;
  const late =
    owed !== undefined &&
    owed.length > 0 &&
    client.receivedCount >= owed.length &&
    client.received.subarray(0, owed.length).equals(owed);
  const what = late
    ? `the replies owed on c${client.id} all came after the wait`
    : await notComeTo(ctx, client);
  return what === undefined ? undefined : afterFin.diagnosed(blockedBehind(what, others));
}

/**
 * Replies missing after a FIN are HALF-1 only if the FIN made the difference: the server read the
 * connection, and the same writes on a fresh connection, without the FIN, get them. If they do
 * not, that connection's failure (and its diagnosis) is the defect.
 */
async function missingWithoutFinToo(
  ctx: CaseContext,
  env: RunEnv,
  value: { stream: Buffer; splits: number[] },
  replies: readonly ExpectedReply[],
  afterFin: Violation,
): Promise<Violation> {
  const again = await env.clients.open();
  env.log.note(`c${again.id}: the same writes without the FIN`);
  await play(again, withPauses(splitAt(value.stream, value.splits), 0));
  try {
    await expectReplies(ctx, again, replies, {
      rule: "ANSWER-1",
      situation: "to the same writes without a FIN",
    });
    return afterFin;
  } catch (error) {
    return error instanceof Violation ? error : afterFin;
  } finally {
    again.destroy();
  }
}

export const closingCases: ConformanceCase[] = [
  property({
    id: "close.half-close",
    title:
      "Questions, then FIN at a random point: every owed reply, nothing for an unfinished question, then close",
    section: "8.1",
    rules: ["HALF-1", "HALF-2"],
    runs: 12,
    arbitrary: (ctx) =>
      fc
        .tuple(fc.array(mixedQuestion(ctx.book), { minLength: 0, maxLength: 6 }), unfinishedTail)
        .map(([questions, tail]) => Buffer.concat([...questions, tail]))
        .chain((stream) => splitPoints(stream.length).map((splits) => ({ stream, splits }))),
    async check(ctx, value: { stream: Buffer; splits: number[] }, env) {
      const client = await env.clients.open();
      await play(client, withPauses(splitAt(value.stream, value.splits), 0));
      client.finish();
      const { replies, mustClose } = expectedReplies(ctx.book, ctx.limits.maxQuestion, value.stream);
      try {
        await expectReplies(ctx, client, replies, {
          rule: "ANSWER-1", // a wrong reply is wrong whatever the FIN; a missing one is HALF-1
          silenceRule: "HALF-1",
          situation: "owed before the client's FIN",
        });
      } catch (error) {
        if (!(error instanceof Violation) || error.kind !== "missing" || mustClose) throw error;
        throw (
          (await servedLateBehindOthers(ctx, client, error, Buffer.concat(replies.map((r) => r.reply)))) ??
          (await missingWithoutFinToo(ctx, env, value, replies, error))
        );
      }
      const owed = Buffer.concat(replies.map((r) => r.reply));
      try {
        await expectClose(
          ctx,
          client,
          mustClose ? "LIMIT-QUESTION-2" : "HALF-1",
          "after the owed replies following the client's FIN",
        );
      } catch (error) {
        if (!(error instanceof Violation)) throw error;
        throw (await servedLateBehindOthers(ctx, client, error)) ?? error;
      }
      if (client.receivedCount > owed.length) {
        throw new Violation(
          "HALF-2",
          "no reply to the unfinished question pending at FIN",
          `${client.receivedCount} bytes in all`,
        );
      }
    },
  }),
  scenario({
    id: "close.half-close-held",
    title: "FIN while replies are held behind a client that has not been reading: all of them, then close",
    section: "8.1",
    rules: ["HALF-1", "FLOW-1"],
    async run(ctx, env, seed) {
      return halfCloseHeld(ctx, env, seed);
    },
  }),
  property({
    id: "close.reset",
    title: "Resets mid-question, after a question, with answers owed, mid-answer: other clients unaffected",
    section: "8.2",
    rules: ["RESET-1", "FAIR-1", "ROBUST-1"],
    runs: 10,
    arbitrary: () => fc.array(resetPoint(), { minLength: 1, maxLength: 4 }),
    async check(ctx, points: ResetPoint[], env) {
      const other = await env.clients.open();
      let otherOffset = await expectUsable(
        ctx,
        other,
        0,
        "RESET-1",
        "on another connection before the resets",
      );
      const question = ctx.book.questions[0] as Buffer;
      for (const point of points) {
        const victim = await env.clients.open();
        env.log.note(`reset point: ${point}`, victim.id);
        switch (point) {
          case "before-question":
            break;
          case "mid-question":
            await victim.send(question.subarray(0, Math.max(1, question.length >> 1)));
            await victim.pause(ctx.pauseMs);
            break;
          case "after-question": {
            await victim.send(question);
            const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
            await expectReplies(ctx, victim, replies, { rule: "ANSWER-1" });
            break;
          }
          case "answers-owed":
            await victim.send(Buffer.concat(Array.from({ length: 2000 }, () => question)));
            break;
          case "mid-answer": {
            victim.stopReading();
            const chunker = new QuestionChunker(ctx.book, 1);
            for (let i = 0; i < 32; i++) victim.push(chunker.chunk(64 * 1024));
            await victim.pause(ctx.pauseMs * 4);
            break;
          }
        }
        victim.reset();
        otherOffset = await expectUsable(
          ctx,
          other,
          otherOffset,
          "RESET-1",
          `on another connection after a reset (${point})`,
        );
      }
      const fresh = await env.clients.open().catch((error: Error) => {
        throw new Violation("RESET-1", "new connections accepted after resets", error.message);
      });
      await expectUsable(ctx, fresh, 0, "RESET-1", "on a new connection after resets");
    },
  }),
];
