/**
 * Reliability of both servers as an operator meets it (issue 15): a process at its descriptor
 * limit does not spin and serves again once descriptors free up; a --workers server replaces a
 * worker that dies, with a growing delay when it keeps dying, and one SIGTERM stops every process;
 * a shutdown with no connections exits at once. CPU is judged in clock ticks over a coarse
 * window, never as a latency.
 */
import type { Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  childPids,
  cpuTicks,
  isAlive,
  launchServer,
  launchWithDescriptorLimit,
  SERVER_KINDS,
  type ServerProcess,
  stopAll,
} from "./harness.js";
import { recordMeasurement } from "./measurements.js";
import { A_NAME, A_QUEST, ask, askOnce, connect, NAME, QUEST, Received, sleep } from "./wire.js";

const FD_LIMIT = 64;
const CLIENTS = 120;
const CPU_WINDOW_MS = 3000;
/** At most a quarter of one core over the window (a spinning accept loop uses all of it). */
const MAX_TICKS_IN_WINDOW = (CPU_WINDOW_MS / 10) * 0.25;

interface Held {
  socket: Socket;
  received: Received;
}

/** Opens `count` connections at once; every one the kernel completes is returned with its collector. */
async function openClients(port: number, count: number): Promise<Held[]> {
  const opened = await Promise.all(Array.from({ length: count }, () => connect(port).catch(() => undefined)));
  return opened
    .filter((s): s is Socket => s !== undefined)
    .map((socket) => ({ socket, received: new Received(socket) }));
}

/** Polls `condition` every 100 ms for up to `ms`; returns whether it held. */
async function eventually(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

function count(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, "gm"))?.length ?? 0;
}

/** Asks on fresh connections until one is answered (a server refusing at its limit closes them). */
async function answeredWithin(port: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const answer = await askOnce(port, NAME, A_NAME).catch(() => undefined);
    if (answer === A_NAME) return true;
    await sleep(200);
  }
  return false;
}

describe.each(SERVER_KINDS)("%s server", (kind) => {
  afterAll(async () => {
    await stopAll();
  });

  it(`at a descriptor limit of ${FD_LIMIT} with ${CLIENTS} clients, refuses the excess at once without spinning, logs once and serves again`, async () => {
    const server = await launchWithDescriptorLimit(kind, FD_LIMIT);
    const clients = await openClients(server.port, CLIENTS);
    expect(clients.length).toBeGreaterThan(FD_LIMIT);
    // Connections past the budget are closed right after accepting them, with nothing sent.
    const settled = await eventually(
      () => clients.filter((c) => c.received.closed).length >= CLIENTS - FD_LIMIT,
      20_000,
    );
    expect(settled).toBe(true);
    const before = cpuTicks(server.pid);
    await sleep(CPU_WINDOW_MS);
    const ticks = cpuTicks(server.pid) - before;
    recordMeasurement(kind, `ulimit -n ${FD_LIMIT}, ${CLIENTS} clients`, { ticksIn3s: ticks });
    expect(ticks).toBeLessThan(MAX_TICKS_IN_WINDOW);
    const refused = clients.filter((c) => c.received.closed);
    const held = clients.filter((c) => !c.received.closed);
    expect(refused.every((c) => c.received.length === 0)).toBe(true);
    expect(held.length).toBeGreaterThan(0);
    // The connections it holds are served meanwhile.
    const first = held[0] as Held;
    expect(await ask(first.socket, first.received, QUEST, A_QUEST)).toBe(A_QUEST);
    expect(count(server.stderrText(), /descriptor limit reached/)).toBe(1);
    for (const c of clients) c.socket.destroy();
    expect(await answeredWithin(server.port, 20_000)).toBe(true);
    expect(await eventually(() => /accepting again/.test(server.stderrText()), 20_000)).toBe(true);
    expect(count(server.stderrText(), /descriptor limit reached/)).toBe(1);
    server.kill("SIGTERM");
    expect(await server.exitedWithin(10_000)).toEqual({ code: 0, signal: null });
  });

  it("with --workers 2 replaces a killed worker, later ones after a growing delay, and SIGTERM stops all", async () => {
    const server = await launchServer(kind, ["--workers", "2"], "main");
    const replaced: number[] = [];
    let workers = childPids(server.pid);
    expect(workers.length).toBeGreaterThanOrEqual(1);
    for (const expectedDelay of ["0.1 s", "0.2 s"]) {
      const victim = workers[workers.length - 1] as number;
      process.kill(victim, "SIGKILL");
      const line = new RegExp(
        `worker ${victim} exited \\(SIGKILL\\); starting a replacement in ${expectedDelay}`,
      );
      expect(await eventually(() => line.test(server.stderrText()), 20_000)).toBe(true);
      const restarted = await eventually(() => {
        const now = childPids(server.pid).filter((pid) => pid !== victim && !workers.includes(pid));
        return now.some((pid) => new RegExp(`worker ${pid}:? listening`).test(server.stderrText()));
      }, 30_000);
      expect(restarted).toBe(true);
      const next = childPids(server.pid);
      replaced.push(...next.filter((pid) => !workers.includes(pid)));
      expect(next.length).toBe(workers.length);
      workers = next;
    }
    expect(replaced.length).toBe(2);
    for (let i = 0; i < 10; i++) expect(await askOnce(server.port, NAME, A_NAME)).toBe(A_NAME);
    server.kill("SIGTERM");
    expect(await server.exitedWithin(20_000)).toEqual({ code: 0, signal: null });
    expect(await eventually(() => workers.every((pid) => !isAlive(pid)), 10_000)).toBe(true);
  });

  for (const workerCount of [1, 2]) {
    it(`with --workers ${workerCount} and no connections, exits 0 at once on SIGTERM, every process gone`, async () => {
      const exitTimes: number[] = [];
      for (const used of [false, true]) {
        const server: ServerProcess = await launchServer(kind, ["--workers", String(workerCount)], "main");
        const workers = childPids(server.pid);
        if (used) {
          // Connections that came and went leave no connection behind either.
          for (let i = 0; i < 5; i++) expect(await askOnce(server.port, NAME, A_NAME)).toBe(A_NAME);
          await sleep(200);
        }
        const sentAt = Date.now();
        server.kill("SIGTERM");
        // "At once": a coarse bound far above the few milliseconds it takes, far below a linger (2 s).
        const exit = await server.exitedWithin(1000);
        exitTimes.push(Date.now() - sentAt);
        expect(exit).toEqual({ code: 0, signal: null });
        expect(await eventually(() => workers.every((pid) => !isAlive(pid)), 5000)).toBe(true);
      }
      recordMeasurement(kind, `SIGTERM with --workers ${workerCount}, no connections`, {
        exitMs: exitTimes.join("/"),
      });
    });
  }
});
