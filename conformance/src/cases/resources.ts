/** Spec section 10: resources (RESOURCE-1/2), from the operating system's view of a launched target. */
import { setTimeout as sleep } from "node:timers/promises";
import { formatSize } from "../bytes.js";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { expectReplies } from "../checks.js";
import { churn, FIN_EVERY } from "../churn.js";
import { ClientPool } from "../client.js";
import { expectedReplies } from "../model.js";
import type { LaunchedTarget } from "../target.js";
import { Inconclusive, Violation } from "../verdicts.js";
import { evidenceOf, withOwnInstance } from "./own-instance.js";

/** RESOURCE-4: connections served before the first RSS sample, then between the two. */
const CHURN_WARM_UP = 20_000;
const CHURN_COUNT = 20_000;
const CHURN_CONCURRENCY = 16;
const CHURN_GROWTH_BYTES = 8 * 1024 * 1024;
const CHURN_BYTES_PER_CONNECTION = 200;

/** RSS over a short window: its lowest and highest sample (a settling heap moves between them). */
interface RssWindow {
  readonly low: number;
  readonly high: number;
}

async function rssWindow(ctx: CaseContext, samples = 5, everyMs = 200): Promise<RssWindow> {
  const values: number[] = [];
  for (let i = 0; i < samples; i++) {
    values.push((await evidenceOf(ctx.target)).rssBytes);
    if (i < samples - 1) await sleep(everyMs);
  }
  return { low: Math.min(...values), high: Math.max(...values) };
}

/** Churns `count` connections; a failed conversation is the rule it broke. */
async function churnOrFail(ctx: CaseContext, count: number): Promise<number> {
  const question = ctx.book.questions[0] as Buffer;
  const reply = ctx.book.answers[0] as Buffer;
  const options = {
    host: ctx.target.host,
    port: ctx.target.port,
    question,
    reply,
    concurrency: CHURN_CONCURRENCY,
    waitMs: ctx.waitMs,
    signal: ctx.signal,
  };
  const { served, failure } = await churn(count, options);
  if (failure?.kind === "client")
    throw new Inconclusive(
      `connection ${failure.index + 1} of the churn failed on the suite's side (${failure.detail})`,
    );
  if (failure) {
    const rule = failure.kind === "wrong-reply" ? "ANSWER-1" : "RESOURCE-1";
    throw new Violation(
      rule,
      `connection ${failure.index + 1} of ${count} served one after another answered ${JSON.stringify(reply.toString("latin1"))}`,
      `${failure.kind}: ${failure.detail} (${served} served before it)`,
      // A refusal, a close or silence: if the target died, that is the cause (ROBUST-1).
      failure.kind === "wrong-reply" ? "wrong" : "missing",
    );
  }
  return served;
}

/** Connections after which the descriptors are counted: a leak shows long before memory does. */
const DESCRIPTOR_CHECK_AFTER = 2000;
/** Descriptors past the level before (and the connections in flight) that are taken as kept. */
const DESCRIPTORS_KEPT = 64;

/** RESOURCE-1 at once when the first connections of the churn left their descriptors behind. */
async function descriptorsNotKept(ctx: CaseContext, before: number): Promise<void> {
  await sleep(200);
  const { fds } = await evidenceOf(ctx.target);
  if (fds > before + CHURN_CONCURRENCY + DESCRIPTORS_KEPT) {
    throw new Violation(
      "RESOURCE-1",
      `open descriptors back near ${before} once ${DESCRIPTOR_CHECK_AFTER} connections had come and gone`,
      `${fds} open (${fds - before} more)`,
    );
  }
}

interface ChurnWindow {
  readonly served: number;
  readonly churnMs: number;
  readonly after: RssWindow;
  readonly growth: number;
}

/** Windows of churn after the first that may show the growth settling. */
const CONFIRM_WINDOWS = 3;

/** CHURN_COUNT connections one after another, and the RSS growth they left over `before`. */
async function churnWindow(ctx: CaseContext, before: RssWindow): Promise<ChurnWindow> {
  const started = performance.now();
  const served = await churnOrFail(ctx, CHURN_COUNT);
  const churnMs = performance.now() - started;
  await sleep(500);
  const after = await rssWindow(ctx);
  return { served, churnMs, after, growth: after.low - before.high };
}

function overMargin(w: { growth: number; served: number }): boolean {
  return w.growth > CHURN_GROWTH_BYTES && w.growth > CHURN_BYTES_PER_CONNECTION * w.served;
}

const memoryChurn = scenario({
  id: "resource.memory-churn",
  title: `Memory back where it was after ${CHURN_COUNT} connections served one after another (FIN or reset), on its own instance`,
  section: "10",
  rules: ["RESOURCE-4"],
  launchedOnly: true,
  // Its own instance: it measures only that process, so it can run beside the others.
  schedule: "background",
  run: (ctx, env) =>
    withOwnInstance(ctx, ctx.launchInstance, "another instance of the target", "connection churn", (own) =>
      judgeChurn(own, env),
    ),
});

/** RESOURCE-2: 16 idle connections and one holding half a question; the CPU used over 3 s. */
async function judgeIdleCpu(ctx: CaseContext, env: RunEnv, target: LaunchedTarget) {
  const pool = new ClientPool(target.host, target.port, env.log, Math.max(ctx.waitMs, 5000), ctx.signal);
  try {
    await Promise.all(Array.from({ length: 16 }, () => pool.open()));
    const partial = await pool.open();
    await partial.send((ctx.book.questions[0] as Buffer).subarray(0, 2));
    await sleep(500);
    const windowMs = 3000;
    const a = await evidenceOf(ctx.target);
    await sleep(windowMs);
    const b = await evidenceOf(ctx.target);
    const used = b.cpuMs - a.cpuMs;
    const evidence = { cpuMsOverWindow: used, windowMs };
    if (used > windowMs * 0.25) {
      throw new Violation(
        "RESOURCE-2",
        `little CPU with only idle connections (at most 25% of a core over ${windowMs / 1000} s)`,
        `${used} ms of CPU in ${windowMs} ms`,
      );
    }
    return {
      message: `its own instance: ${used} ms of CPU in ${windowMs / 1000} s with 17 idle connections`,
      evidence,
    };
  } finally {
    pool.dispose();
  }
}

/** The warm-up (descriptors checked after its first 2000), then the windows of churn, RSS judged. */
async function judgeChurn(ctx: CaseContext, env: RunEnv) {
  env.log.note(
    `${CHURN_WARM_UP} connections to warm up, ${CHURN_CONCURRENCY} at a time: each asks, reads its reply, ends (1 in ${FIN_EVERY} with FIN, the others with a reset)`,
  );
  const fdsAtStart = (await evidenceOf(ctx.target)).fds;
  await churnOrFail(ctx, DESCRIPTOR_CHECK_AFTER);
  await descriptorsNotKept(ctx, fdsAtStart);
  await churnOrFail(ctx, CHURN_WARM_UP - DESCRIPTOR_CHECK_AFTER);
  const before = await rssWindow(ctx);
  env.log.note(
    `RSS after the warm-up: ${formatSize(before.low)}..${formatSize(before.high)}; ${CHURN_COUNT} more connections`,
  );
  // A garbage-collected heap may grow for a while and settle; a leak grows in every window.
  const windows = [await churnWindow(ctx, before)];
  let last = windows[0] as ChurnWindow;
  while (overMargin(last) && windows.length <= CONFIRM_WINDOWS) {
    last = await churnWindow(ctx, last.after);
    windows.push(last);
  }
  const first = windows[0] as ChurnWindow;
  if (overMargin(last)) {
    throw new Violation(
      "RESOURCE-4",
      `memory back where it was after ${first.served} connections had come and gone, or settled over ${CONFIRM_WINDOWS} more windows like it (RSS growth at most ${formatSize(CHURN_GROWTH_BYTES)} or ${CHURN_BYTES_PER_CONNECTION} bytes per connection)`,
      `RSS grew in every window: ${windows.map((w) => `+${formatSize(w.growth)} (${Math.round(w.growth / w.served)} bytes per connection)`).join(", ")}; ${formatSize(before.high)} -> ${formatSize(last.after.low)}`,
    );
  }
  const confirm = windows.length > 1 ? last : undefined;
  const { served, churnMs, growth, after } = first;
  const evidence = {
    connections: served,
    churnMs: Math.round(churnMs),
    rssBeforeBytes: before.high,
    rssAfterBytes: after.low,
    growthBytes: growth,
    bytesPerConnection: Math.round(growth / served),
    ...(confirm ? { confirmGrowthBytes: confirm.growth, confirmRssAfterBytes: confirm.after.low } : {}),
  };
  const settled = confirm
    ? `; it settled after ${windows.length - 1} more windows of ${CHURN_COUNT} (${confirm.growth >= 0 ? "+" : "-"}${formatSize(Math.abs(confirm.growth))} in the last)`
    : "";
  return {
    message: `its own instance: ${served} connections in ${(churnMs / 1000).toFixed(1)} s; RSS ${formatSize(before.high)} -> ${formatSize(after.low)} (${growth >= 0 ? "+" : "-"}${formatSize(Math.abs(growth))})${settled}`,
    evidence,
  };
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
      const before = await evidenceOf(ctx.target);
      const question = ctx.book.questions[0] as Buffer;
      const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
      const clients = await Promise.all(
        Array.from({ length: 48 }, () => env.clients.open({ logReceived: false })),
      );
      await Promise.all(clients.map((c) => c.send(question)));
      for (const c of clients) await expectReplies(ctx, c, replies, { rule: "ANSWER-1" });
      const during = await evidenceOf(ctx.target);
      clients.forEach((c, i) => {
        if (i % 4 === 0) c.reset();
        else if (i % 4 === 1) c.finish();
        else if (i % 4 === 2) void c.send(question.subarray(0, 3)).then(() => c.reset());
        else c.destroy();
      });
      const deadline = performance.now() + 5 * ctx.floorMs;
      let after = await evidenceOf(ctx.target);
      while (after.fds > before.fds && performance.now() < deadline) {
        await sleep(200);
        after = await evidenceOf(ctx.target);
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
    title: "No CPU time while only idle connections are open, on its own instance",
    section: "10",
    rules: ["RESOURCE-2"],
    launchedOnly: true,
    // Its own instance: it measures only that process, so it can run beside the others.
    schedule: "background",
    run: (ctx, env) =>
      withOwnInstance(
        ctx,
        ctx.launchInstance,
        "another instance of the target",
        "idle connections",
        (own, target) => judgeIdleCpu(own, env, target),
      ),
  }),
  memoryChurn,
];
