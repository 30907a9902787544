/**
 * Spec 8.3, ROBUST-2: out of descriptors, no busy loop. The case starts its own instance of the
 * launched target with a low descriptor limit (--fd-limit N, through util-linux prlimit), so that
 * the other cases keep their limits. It holds one served connection, opens N + 32 more (those the
 * server cannot accept wait in its listen backlog), measures the server's CPU over a coarse window
 * (as RESOURCE-2 does), checks that the held connection is still served, lets the others go, and
 * checks that a fresh client is answered.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { closedForIdleness, expectUsable } from "../checks.js";
import { ClientPool, type WireClient } from "../client.js";
import type { LaunchedTarget } from "../target.js";
import { Violation } from "../verdicts.js";
import { evidenceOf, withOwnInstance } from "./own-instance.js";

/** Connections opened past the limit, so that some wait in the backlog whatever the server holds. */
const PAST_THE_LIMIT = 32;
const OPEN_BATCH = 32;
const CPU_WINDOW_MS = 3000;
const CPU_SHARE = 0.25;
/** Descriptors over the level before (plus the held connection) still counted as released. */
const RELEASE_SLACK = 8;

/** Opens `count` connections in batches; those the kernel refuses (a full backlog) are counted, not fatal. */
async function openMany(pool: ClientPool, count: number): Promise<{ opened: WireClient[]; refused: number }> {
  const opened: WireClient[] = [];
  let refused = 0;
  for (let start = 0; start < count; start += OPEN_BATCH) {
    const batch = Math.min(OPEN_BATCH, count - start);
    const results = await Promise.allSettled(
      Array.from({ length: batch }, () => pool.open({ logReceived: false })),
    );
    for (const r of results) {
      if (r.status === "fulfilled") opened.push(r.value);
      else refused++;
    }
  }
  return { opened, refused };
}

/** CPU the server used over the window, with only idle connections and a backlog it cannot accept. */
async function cpuWhileExhausted(target: LaunchedTarget): Promise<{ cpuMs: number; fds: number }> {
  await sleep(500);
  const a = await evidenceOf(target);
  await sleep(CPU_WINDOW_MS);
  const b = await evidenceOf(target);
  return { cpuMs: b.cpuMs - a.cpuMs, fds: b.fds };
}

/** Once the clients left, the server's descriptors come back down (else it leaks them: RESOURCE-1). */
async function descriptorsReleased(
  ctx: CaseContext,
  target: LaunchedTarget,
  before: number,
): Promise<number> {
  const deadline = performance.now() + 5 * ctx.floorMs;
  let fds = (await evidenceOf(target)).fds;
  while (fds > before + RELEASE_SLACK && performance.now() < deadline) {
    await sleep(200);
    fds = (await evidenceOf(target)).fds;
  }
  if (fds > before + RELEASE_SLACK)
    throw new Violation(
      "RESOURCE-1",
      `descriptors back near ${before} once the clients of a server out of descriptors left`,
      `${fds} open ${((5 * ctx.floorMs) / 1000).toFixed(0)} s later`,
    );
  return fds;
}

/**
 * A new client is answered once the others have gone (the server accepts again). One that is
 * answered only once the held connection closes is served one client at a time: FAIR-1.
 */
async function freshClientServed(ctx: CaseContext, pool: ClientPool, held: WireClient): Promise<void> {
  const fresh = await pool.open().catch((error: Error) => {
    throw new Violation(
      "ROBUST-2",
      "a new connection accepted once descriptors were free again",
      error.message,
    );
  });
  try {
    await expectUsable(ctx, fresh, 0, "ROBUST-2", "on a new connection once descriptors were free again", {
      diagnose: false,
    });
  } catch (error) {
    if (!(error instanceof Violation) || fresh.receivedCount > 0 || fresh.ended || held.ended) throw error;
    held.destroy();
    if ((await fresh.waitForBytes(1, ctx.waitMs)) !== "done") throw error;
    throw new Violation(
      "FAIR-1",
      "a new connection answered while another is open",
      `c${fresh.id} was answered only once c${held.id}, served before it and still open, was closed: one client is served at a time`,
    );
  }
}

async function exhaust(ctx: CaseContext, env: RunEnv, target: LaunchedTarget) {
  const pool = new ClientPool(target.host, target.port, env.log, Math.max(ctx.waitMs, 5000), ctx.signal);
  try {
    const before = await evidenceOf(target);
    const held = await pool.open();
    const offset = await expectUsable(ctx, held, 0, "ROBUST-1", "before the descriptors run out");
    const answeredAt = performance.now();
    const { opened, refused } = await openMany(pool, ctx.fdLimit + PAST_THE_LIMIT);
    env.log.note(
      `${opened.length} more connections opened (${refused} refused by the kernel) to a server allowed ${ctx.fdLimit} descriptors`,
    );
    const { cpuMs, fds } = await cpuWhileExhausted(target);
    if (cpuMs > CPU_WINDOW_MS * CPU_SHARE) {
      throw new Violation(
        "ROBUST-2",
        `no busy loop while out of descriptors (at most ${CPU_SHARE * 100}% of a core over ${CPU_WINDOW_MS / 1000} s)`,
        `${cpuMs} ms of CPU in ${CPU_WINDOW_MS} ms, holding ${fds} of ${ctx.fdLimit} descriptors with ${opened.length + 1} connections opened`,
      );
    }
    const idle = closedForIdleness(ctx, held, performance.now() - answeredAt);
    if (idle) throw idle;
    await expectUsable(ctx, held, offset, "ROBUST-2", "on a connection it held while out of descriptors", {
      diagnose: false,
    });
    for (const c of opened) c.reset();
    const fdsAfter = await descriptorsReleased(ctx, target, before.fds + 1);
    await freshClientServed(ctx, pool, held);
    return {
      fdsAfter,
      fdLimit: ctx.fdLimit,
      fdsBefore: before.fds,
      fdsExhausted: fds,
      connectionsOpened: opened.length + 1,
      refusedByKernel: refused,
      cpuMsOverWindow: cpuMs,
      windowMs: CPU_WINDOW_MS,
    };
  } finally {
    pool.dispose();
  }
}

export const descriptorCases: ConformanceCase[] = [
  scenario({
    id: "robust.out-of-descriptors",
    title:
      "Out of descriptors (its own instance under --fd-limit): no busy loop, held connections served, accepting again",
    section: "8.3",
    rules: ["ROBUST-2"],
    launchedOnly: true,
    // Its own instance: it can run beside the others (it measures only that instance's CPU).
    schedule: "background",
    async run(ctx, env) {
      const what = `the target with ${ctx.fdLimit} descriptors (util-linux prlimit, --fd-limit)`;
      const evidence = await withOwnInstance(
        ctx,
        ctx.launchLimited,
        what,
        "running out of descriptors",
        (own, target) => exhaust(own, env, target),
      );
      return {
        message: `${evidence.connectionsOpened} connections to a server allowed ${ctx.fdLimit} descriptors (it held ${evidence.fdsExhausted}): ${evidence.cpuMsOverWindow} ms of CPU in ${CPU_WINDOW_MS / 1000} s; the held connection served, a fresh one answered once they left`,
        evidence,
      };
    },
  }),
];
