/**
 * Idle mode: open N connections in batches, ask one question on each and check its answer, leave
 * them open and idle, and compare the server's resident memory with what it held before. The
 * figure is the server process's own memory per connection; the kernel's socket buffers are not in
 * a process's RSS and are left aside.
 */

import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CyclicOrder, ReplyChecker } from "@bridgekeeper/client-kit";
import type { ServerSample } from "./load-generator.js";
import { bytesPerConnection } from "./stats.js";

export interface IdleOptions {
  readonly host: string;
  readonly port: number;
  readonly connections: number;
  readonly questions: readonly Uint8Array[];
  readonly answers: readonly Uint8Array[];
  readonly sampleServer: () => Promise<ServerSample | null>;
  /** Connections opened, asked and closed before the first sample, so one-time costs stay out. */
  readonly warmConnections?: number;
  readonly batch?: number;
  readonly settleMs?: number;
  readonly batchTimeoutMs?: number;
}

export interface IdleMetrics {
  readonly requested: number;
  /** Connections open and answered when the second sample was taken. */
  readonly held: number;
  readonly failed: number;
  readonly wrong: number;
  readonly rssBeforeBytes: number | null;
  readonly rssAfterBytes: number | null;
  readonly bytesPerConnection: number | null;
  /** Descriptors the server gained (a check that it really holds the connections). */
  readonly serverFdsGained: number | null;
  readonly firstError: string | null;
}

interface Held {
  readonly socket: Socket;
  answered: boolean;
  failed: string | null;
}

function openAndAsk(options: IdleOptions, index: number, timeoutMs: number): Promise<Held> {
  return new Promise((resolve) => {
    const n = options.questions.length;
    const stream = new ReplyChecker(options.answers, new CyclicOrder(index % n, n));
    const socket = connect({ host: options.host, port: options.port });
    const held: Held = { socket, answered: false, failed: null };
    const finish = (failure: string | null): void => {
      clearTimeout(timer);
      if (held.answered || held.failed !== null) return;
      if (failure === null) held.answered = true;
      else held.failed = failure;
      resolve(held);
    };
    const timer = setTimeout(() => finish("no answer in time"), timeoutMs);
    socket.once("connect", () => socket.write(options.questions[index % n] as Uint8Array));
    socket.on("data", (chunk: Buffer) => {
      if (stream.feed(chunk) > 0) finish(stream.wrong > 0 ? "wrong answer" : null);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    socket.on("close", () => {
      if (held.answered) held.failed = "closed by the server while idle";
      finish("closed by the server");
    });
  });
}

async function openMany(
  options: IdleOptions,
  count: number,
  batch: number,
  timeoutMs: number,
): Promise<Held[]> {
  const all: Held[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    all.push(
      ...(await Promise.all(
        Array.from({ length: size }, (_, i) => openAndAsk(options, start + i, timeoutMs)),
      )),
    );
  }
  return all;
}

function closeAll(held: readonly Held[]): void {
  for (const h of held) h.socket.destroy();
}

export async function measureIdle(options: IdleOptions): Promise<IdleMetrics> {
  const batch = options.batch ?? 500;
  const settleMs = options.settleMs ?? 2000;
  const timeoutMs = options.batchTimeoutMs ?? 30_000;
  const warm = await openMany(options, options.warmConnections ?? 100, batch, timeoutMs);
  closeAll(warm);
  await sleep(settleMs);
  const before = await options.sampleServer();
  const held = await openMany(options, options.connections, batch, timeoutMs);
  try {
    await sleep(settleMs);
    const after = await options.sampleServer();
    const alive = held.filter((h) => h.answered && h.failed === null);
    const wrong = held.filter((h) => h.failed === "wrong answer").length;
    const firstError = held.find((h) => h.failed !== null)?.failed ?? null;
    const fdsBefore = before?.fds;
    const fdsAfter = after?.fds;
    return {
      requested: options.connections,
      held: alive.length,
      failed: options.connections - alive.length,
      wrong,
      rssBeforeBytes: before?.rssBytes ?? null,
      rssAfterBytes: after?.rssBytes ?? null,
      bytesPerConnection:
        before && after ? bytesPerConnection(before.rssBytes, after.rssBytes, alive.length) : null,
      serverFdsGained: fdsBefore !== undefined && fdsAfter !== undefined ? fdsAfter - fdsBefore : null,
      firstError,
    };
  } finally {
    closeAll(held);
  }
}
