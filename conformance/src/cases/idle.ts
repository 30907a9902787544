/** Spec section 9: idle connections (IDLE-1..3), slow trickles, connection limits (CONN-1/2). */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { expectReplies, expectUsable } from "../checks.js";
import type { WireClient } from "../client.js";
import { expectedReplies } from "../model.js";
import { pushUntilStall, QuestionChunker } from "../stream.js";
import { Inconclusive, Violation } from "../verdicts.js";

/** The moment (ms after `start`) a client was closed by the server, watched from now on. */
function watchClose(client: WireClient, start: number): { at: () => number | null } {
  let closedAt: number | null = client.ended ? 0 : null;
  const mark = (): void => {
    if (closedAt === null) closedAt = performance.now() - start;
  };
  client.socket.once("end", mark);
  client.socket.once("error", mark);
  client.socket.once("close", mark);
  return { at: () => closedAt };
}

function openFileLimit(): number {
  try {
    const limits = readFileSync("/proc/self/limits", "utf8");
    const match = /Max open files\s+(\d+)/.exec(limits);
    return match ? Number(match[1]) : 1024;
  } catch {
    return 1024;
  }
}

/** Closes every client of the case and waits (coarsely) until the server answers a fresh one. */
async function settle(ctx: CaseContext, env: RunEnv): Promise<void> {
  env.clients.closeAll();
  const question = ctx.book.questions[0] as Buffer;
  const answer = ctx.book.answers[0] as Buffer;
  const deadline = performance.now() + 5 * ctx.floorMs;
  while (performance.now() < deadline) {
    const probe = await env.clients.open({ logReceived: false }).catch(() => null);
    if (probe) {
      await probe.send(question);
      await probe.waitForBytes(answer.length, ctx.floorMs);
      const ok = probe.received.subarray(0, answer.length).equals(answer);
      probe.destroy();
      if (ok) return;
    }
    await sleep(ctx.floorMs / 4);
  }
}

export const idleCases: ConformanceCase[] = [
  scenario({
    id: "idle.timeouts",
    title:
      "Idle connections (also one not reading while replies wait) live at least I and are closed after it; a slow trickle is not idle; good clients unaffected",
    section: "9.1",
    rules: ["IDLE-1", "IDLE-2", "IDLE-3", "FAIR-1"],
    async run(ctx, env) {
      const idleMs = ctx.limits.idleTimeoutSec * 1000;
      const graceMs = Math.max(5000, idleMs / 2, ctx.floorMs);
      const start = performance.now();
      const idle = await env.clients.open();
      const partial = await env.clients.open();
      const trickle = await env.clients.open();
      const good = await env.clients.open();
      const idleClose = watchClose(idle, start);
      const partialClose = watchClose(partial, start);
      const trickleClose = watchClose(trickle, start);
      const question = ctx.book.questions[0] as Buffer;
      await partial.send(question.subarray(0, 1));
      // The trickle: the question in 6 pieces, I/4 apart, so it spans 1.25 x I.
      const pieces = Math.min(6, question.length);
      const stepMs = idleMs / 4;
      const trickleDone = (async () => {
        for (let i = 0; i < pieces; i++) {
          const from = Math.floor((i * question.length) / pieces);
          const to = Math.floor(((i + 1) * question.length) / pieces);
          if (i > 0) await trickle.pause(stepMs);
          if (trickle.ended) return;
          await trickle.send(question.subarray(from, to));
        }
      })();
      // A client that does not read while replies wait counts as idle (IDLE-1's definition): its
      // idle time starts when the server can no longer write, somewhat before we see our writes stall,
      // so only IDLE-2 (closed eventually) is judged for it, never an early close.
      const nonReader = await env.clients.open({ keep: false, logReceived: false });
      const nonReaderClose = watchClose(nonReader, start);
      nonReader.stopReading();
      let stalledAt = Number.POSITIVE_INFINITY;
      const pushDone = pushUntilStall(
        nonReader,
        new QuestionChunker(ctx.book, 7),
        32 * 1024 * 1024,
        ctx.floorMs,
        ctx.signal,
      ).then((push) => {
        stalledAt = performance.now();
        env.log.add(nonReader.id, "stall", {
          text: `${push.pushed} bytes pushed, nothing read; from now on it is idle`,
        });
      });
      let goodOffset = 0;
      const deadlineFor = (): number =>
        Math.max(start, Number.isFinite(stalledAt) ? stalledAt : performance.now()) + idleMs + graceMs;
      const expectBy = idleMs * 0.9;
      while (performance.now() < deadlineFor()) {
        if (ctx.signal.aborted) throw new Inconclusive("interrupted");
        goodOffset = await expectUsable(
          ctx,
          good,
          goodOffset,
          "FAIR-1",
          "on a busy connection while others idle or trickle",
        );
        const early = idleClose.at();
        if (early !== null && early < expectBy) {
          throw new Violation(
            "IDLE-1",
            `an idle connection kept open for at least I = ${ctx.limits.idleTimeoutSec} s`,
            `closed after ${(early / 1000).toFixed(1)} s`,
          );
        }
        const earlyPartial = partialClose.at();
        if (earlyPartial !== null && earlyPartial < expectBy) {
          throw new Violation(
            "IDLE-1",
            `a connection idle with an unfinished question kept open for at least I = ${ctx.limits.idleTimeoutSec} s`,
            `closed after ${(earlyPartial / 1000).toFixed(1)} s`,
          );
        }
        const trickleAt = trickleClose.at();
        if (trickleAt !== null) {
          throw new Violation(
            "IDLE-3",
            `a client trickling one piece every ${(stepMs / 1000).toFixed(1)} s kept open and answered`,
            `closed after ${(trickleAt / 1000).toFixed(1)} s`,
          );
        }
        if (
          idleClose.at() !== null &&
          partialClose.at() !== null &&
          nonReaderClose.at() !== null &&
          performance.now() - start > idleMs * 1.25 + ctx.floorMs
        )
          break;
        await sleep(Math.min(1000, idleMs / 10));
      }
      await trickleDone;
      await pushDone;
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
      await expectReplies(ctx, trickle, replies, {
        rule: "IDLE-3",
        situation: "to a question trickled over 1.25 x I",
      });
      const idleAt = idleClose.at();
      const partialAt = partialClose.at();
      const evidence = {
        idleClosedAfterMs: idleAt === null ? "open" : Math.round(idleAt),
        partialClosedAfterMs: partialAt === null ? "open" : Math.round(partialAt),
        idleTimeoutMs: idleMs,
        nonReaderClosedAfterStallMs:
          nonReaderClose.at() === null
            ? "open"
            : Math.round((nonReaderClose.at() as number) - (stalledAt - start)),
      };
      if (idleAt === null || partialAt === null) {
        throw new Violation(
          "IDLE-2",
          `idle connections closed within I + ${(graceMs / 1000).toFixed(0)} s (I = ${ctx.limits.idleTimeoutSec} s, as declared)`,
          `${idleAt === null ? "an idle connection" : "a connection idle with an unfinished question"} still open after ${((performance.now() - start) / 1000).toFixed(1)} s`,
        );
      }
      if (nonReaderClose.at() === null) {
        throw new Violation(
          "IDLE-2",
          `a client that does not read while replies wait closed within I + ${(graceMs / 1000).toFixed(0)} s of its writes stalling (it counts as idle)`,
          `still open ${((performance.now() - stalledAt) / 1000).toFixed(1)} s after its writes stalled`,
        );
      }
      return {
        message: `idle connection closed after ${(idleAt / 1000).toFixed(1)} s (I = ${ctx.limits.idleTimeoutSec} s)`,
        evidence,
      };
    },
  }),
  scenario({
    id: "conn.limit",
    title: "At least 128 concurrent connections are served; connections past C are closed at once",
    section: "9.3",
    rules: ["CONN-1", "CONN-2"],
    async run(ctx, env) {
      const limit = ctx.limits.maxConnections;
      const question = ctx.book.questions[0] as Buffer;
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
      const first: WireClient[] = [];
      for (let i = 0; i < 128; i += 32)
        first.push(
          ...(await Promise.all(Array.from({ length: 32 }, () => env.clients.open({ logReceived: false })))),
        );
      await Promise.all(first.map((c) => c.send(question)));
      for (const c of first)
        await expectReplies(ctx, c, replies, {
          rule: "CONN-1",
          situation: `on each of 128 concurrent connections (c${c.id})`,
        });
      const budget = openFileLimit() - 200;
      const extra = 16;
      if (limit + extra > budget) {
        return {
          message: `CONN-2 not probed: C = ${limit} needs more descriptors than this process may open (${budget + 200})`,
        };
      }
      const more: WireClient[] = [];
      for (let opened = 128; opened < limit + extra; ) {
        const n = Math.min(64, limit + extra - opened);
        more.push(
          ...(await Promise.all(Array.from({ length: n }, () => env.clients.open({ logReceived: false })))),
        );
        opened += n;
      }
      await sleep(ctx.floorMs);
      const closed = more.filter((c) => c.ended).length;
      for (const c of first.slice(0, 8))
        await expectUsable(
          ctx,
          c,
          replies[0]?.reply.length ?? 0,
          "CONN-1",
          "on a connection held while others were refused",
        );
      const evidence = { connectionsOpened: 128 + more.length, closedByServer: closed, limit };
      await settle(ctx, env);
      if (closed === 0) {
        throw new Violation(
          "CONN-2",
          `connections past C = ${limit} closed at once`,
          `all ${128 + more.length} connections stayed open for ${(ctx.floorMs / 1000).toFixed(1)} s`,
        );
      }
      return {
        message: `${closed} of ${128 + more.length} connections closed at once (C = ${limit})`,
        evidence,
      };
    },
  }),
];
