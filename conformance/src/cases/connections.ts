/**
 * Spec section 9.3: the connection limit. At least 128 concurrent connections are served
 * (CONN-1); with C declared, connections past it are closed at once (CONN-2). Connections are
 * opened in parallel batches, each batch bounded by the progress wait: a server that cannot take
 * 128 connections within it fails CONN-1 (that is its defect, not the harness's).
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { LIMITS } from "@bridgekeeper/spec";
import { type CaseContext, type ConformanceCase, type RunEnv, scenario } from "../case.js";
import { expectReplies, expectUsable } from "../checks.js";
import type { WireClient } from "../client.js";
import { expectedReplies } from "../model.js";
import { type NotJudged, Violation } from "../verdicts.js";

const BATCH = 32;
/** Connections opened past a declared C to see some closed at once. */
const EXTRA = 16;

function openFileLimit(): number {
  try {
    const match = /Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"));
    return match ? Number(match[1]) : 1024;
  } catch {
    return 1024;
  }
}

/** Opens `count` connections, `BATCH` at a time; a connect that fails or times out gives null. */
async function openMany(env: RunEnv, count: number): Promise<Array<WireClient | null>> {
  const clients: Array<WireClient | null> = [];
  for (let opened = 0; opened < count; opened += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - opened) }, () =>
      env.clients.open({ logReceived: false }).catch(() => null),
    );
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
}

/** CONN-1: the floor's 128 connections accepted and each answered, all at once. */
async function serveTheFloor(ctx: CaseContext, env: RunEnv): Promise<WireClient[]> {
  const floor = LIMITS.maxConnections.floor;
  const opened = await openMany(env, floor);
  const clients = opened.filter((c): c is WireClient => c !== null);
  if (clients.length < floor)
    throw new Violation(
      "CONN-1",
      `${floor} concurrent connections accepted`,
      `${floor - clients.length} of ${floor} connects failed or took longer than ${(ctx.waitMs / 1000).toFixed(1)} s`,
      "missing",
    );
  const question = ctx.book.questions[0] as Buffer;
  const { replies } = expectedReplies(ctx.book, ctx.limits.maxQuestion, question);
  await Promise.all(clients.map((c) => c.send(question)));
  await Promise.all(
    clients.map((c) =>
      expectReplies(ctx, c, replies, {
        rule: "CONN-1",
        concurrencyRule: "CONN-1",
        situation: `on each of ${floor} concurrent connections (c${c.id})`,
      }),
    ),
  );
  return clients;
}

/** CONN-2: past a declared C, connections are closed at once; those held are still served. */
async function refusePastTheLimit(ctx: CaseContext, env: RunEnv, held: WireClient[], limit: number) {
  const more = await openMany(env, limit + EXTRA - held.length);
  await sleep(ctx.floorMs);
  const closed = more.filter((c) => c === null || c.ended).length;
  const answer = ctx.book.answers[0] as Buffer;
  for (const c of held.slice(0, 8))
    await expectUsable(ctx, c, answer.length, "CONN-1", "on a connection held while others were refused");
  if (closed === 0)
    throw new Violation(
      "CONN-2",
      `connections past C = ${limit} closed at once`,
      `all ${held.length + more.length} connections stayed open for ${(ctx.floorMs / 1000).toFixed(1)} s`,
    );
  return { opened: held.length + more.length, closed };
}

export const connectionCases: ConformanceCase[] = [
  scenario({
    id: "conn.limit",
    title: "At least 128 concurrent connections are served; connections past a declared C are closed at once",
    section: "9.3",
    rules: ["CONN-1", "CONN-2"],
    schedule: "quiet",
    async run(ctx, env) {
      const held = await serveTheFloor(ctx, env);
      const limit = ctx.limits.maxConnections;
      const notJudged: NotJudged[] = [];
      let message = `${held.length} concurrent connections served`;
      const evidence: Record<string, number | string> = { connectionsServed: held.length };
      if (limit === null) {
        notJudged.push({
          rule: "CONN-2",
          reason: "C undeclared: declare --max-connections C to judge CONN-2",
        });
        message += "; CONN-2 not judged (C undeclared)";
      } else if (limit + EXTRA > openFileLimit() - 200) {
        notJudged.push({
          rule: "CONN-2",
          reason: `C = ${limit} needs more descriptors than this process may open`,
        });
        message += `; CONN-2 not judged: C = ${limit} needs more descriptors than this process may open`;
      } else {
        const { opened, closed } = await refusePastTheLimit(ctx, env, held, limit);
        Object.assign(evidence, { connectionsOpened: opened, closedByServer: closed, limit });
        message = `${closed} of ${opened} connections closed at once (C = ${limit})`;
      }
      return { message, evidence, notJudged };
    },
  }),
];
