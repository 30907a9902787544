/** Spec section 10: resources (RESOURCE-1/2), from the operating system's view of a launched target. */
import { setTimeout as sleep } from "node:timers/promises";
import { type CaseContext, type ConformanceCase, scenario } from "../case.js";
import { expectReplies } from "../checks.js";
import { expectedReplies } from "../model.js";
import type { ProcessEvidence } from "../target.js";
import { Inconclusive, Violation } from "../verdicts.js";

async function evidenceOf(ctx: CaseContext): Promise<ProcessEvidence> {
  const evidence = await ctx.target.processEvidence();
  if (!evidence)
    throw new Inconclusive("no process evidence: the target's process group is not visible in /proc");
  return evidence;
}

export const resourceCases: ConformanceCase[] = [
  scenario({
    id: "resource.descriptors",
    title: "Descriptors return to their level once clients leave (after questions, resets, half-closes)",
    section: "10",
    rules: ["RESOURCE-1"],
    launchedOnly: true,
    schedule: "quiet",
    async run(ctx, env) {
      await sleep(200);
      const before = await evidenceOf(ctx);
      const question = ctx.book.questions[0] as Buffer;
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
      const clients = await Promise.all(
        Array.from({ length: 48 }, () => env.clients.open({ logReceived: false })),
      );
      await Promise.all(clients.map((c) => c.send(question)));
      for (const c of clients) await expectReplies(ctx, c, replies, { rule: "ANSWER-1" });
      const during = await evidenceOf(ctx);
      clients.forEach((c, i) => {
        if (i % 4 === 0) c.reset();
        else if (i % 4 === 1) c.finish();
        else if (i % 4 === 2) void c.send(question.subarray(0, 3)).then(() => c.reset());
        else c.destroy();
      });
      const deadline = performance.now() + 5 * ctx.floorMs;
      let after = await evidenceOf(ctx);
      while (after.fds > before.fds && performance.now() < deadline) {
        await sleep(200);
        after = await evidenceOf(ctx);
      }
      const evidence = { fdsBefore: before.fds, fdsWith48Clients: during.fds, fdsAfter: after.fds };
      if (during.fds < before.fds + 48) {
        env.log.note(
          `the target held ${during.fds - before.fds} more descriptors with 48 clients (it may share sockets differently)`,
        );
      }
      if (after.fds > before.fds) {
        throw new Violation(
          "RESOURCE-1",
          `open descriptors back to ${before.fds} once 48 clients left`,
          `${after.fds} after ${((5 * ctx.floorMs) / 1000).toFixed(0)} s`,
        );
      }
      return {
        message: `descriptors ${before.fds} -> ${during.fds} with 48 clients -> ${after.fds} after they left`,
        evidence,
      };
    },
  }),
  scenario({
    id: "resource.idle-cpu",
    title: "No CPU time while only idle connections are open",
    section: "10",
    rules: ["RESOURCE-2"],
    launchedOnly: true,
    schedule: "quiet",
    async run(ctx, env) {
      await Promise.all(Array.from({ length: 16 }, () => env.clients.open()));
      const partial = await env.clients.open();
      await partial.send((ctx.book.questions[0] as Buffer).subarray(0, 2));
      await sleep(500);
      const windowMs = 3000;
      const a = await evidenceOf(ctx);
      await sleep(windowMs);
      const b = await evidenceOf(ctx);
      const used = b.cpuMs - a.cpuMs;
      const evidence = { cpuMsOverWindow: used, windowMs };
      if (used > windowMs * 0.25) {
        throw new Violation(
          "RESOURCE-2",
          `little CPU with only idle connections (at most 25% of a core over ${windowMs / 1000} s)`,
          `${used} ms of CPU in ${windowMs} ms`,
        );
      }
      return { message: `${used} ms of CPU in ${windowMs / 1000} s with 17 idle connections`, evidence };
    },
  }),
];
