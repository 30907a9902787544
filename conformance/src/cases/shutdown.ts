/** Spec section 11: graceful shutdown on SIGTERM (SHUTDOWN-1), launched targets only; runs last. */
import { setTimeout as sleep } from "node:timers/promises";
import { formatSize } from "../bytes.js";
import { type ConformanceCase, scenario } from "../case.js";
import { pushUntilStall, QuestionChunker, ReplyVerifier } from "../stream.js";
import { describeStatus } from "../target.js";
import { Violation } from "../verdicts.js";

const SHUTDOWN_CEILING_MS = 30_000;

export const shutdownCases: ConformanceCase[] = [
  scenario({
    id: "shutdown.graceful",
    title: "SIGTERM: owed replies delivered, connections closed, exit 0 within the deadline",
    section: "11",
    rules: ["SHUTDOWN-1"],
    launchedOnly: true,
    last: true,
    stopsTarget: true,
    async run(ctx, env, seed) {
      const reader = await env.clients.open({ keep: false, logReceived: false });
      const idle = await env.clients.open();
      reader.stopReading();
      const chunker = new QuestionChunker(ctx.book, seed);
      const push = await pushUntilStall(
        reader,
        chunker,
        8 * 1024 * 1024,
        Math.min(ctx.floorMs, 1000),
        ctx.signal,
      );
      const verifier = new ReplyVerifier(ctx.book, seed);
      verifier.attach(reader);
      env.log.note(`${formatSize(push.pushed)} of questions pipelined, none read; SIGTERM to the target`);
      const sent = performance.now();
      ctx.target.signal("SIGTERM");
      await sleep(100, undefined, { ref: false });
      reader.resumeReading();
      const exited = await Promise.race([
        ctx.target.exited(),
        sleep(SHUTDOWN_CEILING_MS + 5000, null, { ref: false }),
      ]);
      const exitMs = performance.now() - sent;
      await reader.waitForEnd(ctx.waitMs);
      await idle.waitForEnd(ctx.floorMs);
      const owedAll = ReplyVerifier.totalFor(ctx.book, seed, push.questions);
      const evidence = {
        pushedBytes: push.pushed,
        replyBytesReceived: verifier.verified,
        replyBytesForAllPushed: owedAll,
        exitMs: Math.round(exitMs),
      };
      if (verifier.mismatch)
        throw new Violation("SHUTDOWN-1", "the owed replies, intact, during shutdown", verifier.mismatch);
      if (exited === null)
        throw new Violation(
          "SHUTDOWN-1",
          `exit within ${SHUTDOWN_CEILING_MS / 1000} s of SIGTERM`,
          "still running",
        );
      if (exited.code !== 0)
        throw new Violation("SHUTDOWN-1", "exit status 0 after SIGTERM", describeStatus(exited));
      if (!reader.eof && reader.peerError === null)
        throw new Violation("SHUTDOWN-1", "every connection closed on shutdown", "a connection stayed open");
      if (verifier.verified === 0)
        throw new Violation(
          "SHUTDOWN-1",
          "the replies owed for questions already received",
          "no reply at all after SIGTERM",
        );
      return {
        message: `exit 0 after ${(exitMs / 1000).toFixed(1)} s; ${formatSize(verifier.verified)} of replies delivered after SIGTERM`,
        evidence,
      };
    },
  }),
];
