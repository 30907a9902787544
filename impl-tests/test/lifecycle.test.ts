/**
 * Behaviour tests for both servers around a connection's and a process's life: idle timeout,
 * connection limit and graceful shutdown on signals (with the double-signal rule and its exit
 * codes). Signal tests run the real entry point, not the control script; flags and exit code 2 are
 * in cli.test.ts.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { launchServer, SERVER_KINDS, stopAll, tablesDir, waitForStats } from "./harness.js";
import { recordMeasurement } from "./measurements.js";
import { A_NAME, A_QUEST, ask, connect, enc, NAME, QUEST, Received, sleep } from "./wire.js";

const LARGE_TABLE = join(tablesDir, "large-answers.json");
const EVERYTHING_BYTES = 65535;

/**
 * Questions whose answers (200 x 64 KiB = 13 MB) are more than the loopback buffers take while the
 * client is not reading, so a server cannot finish its shutdown before the client reads. The 3.8 KB
 * of questions go in one write (one segment), so the first answer byte shows the server read all.
 */
const IN_FLIGHT_QUESTIONS = 200;

/** Connects, sends the questions and waits for the first answer byte, then stops reading. */
async function answersInFlight(port: number) {
  const socket = await connect(port);
  const received = new Received(socket);
  socket.write(enc("Tell me everything?".repeat(IN_FLIGHT_QUESTIONS)));
  await received.atLeast(1, 20_000);
  socket.pause(); // stop reading: the rest stays in flight
  return { socket, received };
}

async function readToEnd(socket: import("node:net").Socket, received: Received, timeoutMs: number) {
  socket.resume();
  return received.end(timeoutMs);
}

describe.each(SERVER_KINDS)("%s server", (kind) => {
  afterAll(async () => {
    await stopAll();
  });

  it("keeps a connection idle for ~3 s and closes one idle past the timeout (--idle-timeout 10)", async () => {
    const server = await launchServer(kind, ["--idle-timeout", "10"]);
    const patient = await connect(server.port);
    const patientReceived = new Received(patient);
    const openedAt = Date.now();
    const idle = await connect(server.port);
    const idleReceived = new Received(idle);
    expect(await ask(idle, idleReceived, NAME, A_NAME)).toBe(A_NAME);
    const idleSince = Date.now();
    expect(await ask(patient, patientReceived, NAME, A_NAME)).toBe(A_NAME);
    await sleep(3000);
    expect(await ask(patient, patientReceived, QUEST, A_QUEST)).toBe(A_QUEST);
    expect(idleReceived.closed || idleReceived.ended).toBe(false);
    // The idle one is closed within a generous window past 10 s, and not before ~10 s (IDLE-1).
    expect(await idleReceived.end(30_000)).toBe(true);
    const idleFor = Date.now() - idleSince;
    expect(idleFor).toBeGreaterThanOrEqual(8000);
    // Its last activity came after it was opened: never closed before the full 10 s from there.
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(10_000);
    // Closed with a FIN, not a reset, and nothing sent after the answer.
    expect(idleReceived.ended).toBe(true);
    expect(idleReceived.error).toBeUndefined();
    expect(idleReceived.text()).toBe(A_NAME);
    const stats = await server.stats();
    // Exactly one idle close: the patient connection was active 3 s later and is still open.
    expect(stats.idleClosed).toBe(1);
    recordMeasurement(kind, "idle timeout 10 s", { closedAfterMs: idleFor, idleClosed: stats.idleClosed });
    patient.destroy();
    await server.close();
  });

  it("closes the connection past --max-connections 128 at once and keeps serving the others", async () => {
    const server = await launchServer(kind, ["--max-connections", "128"]);
    const held: Array<{ socket: import("node:net").Socket; received: Received }> = [];
    for (let i = 0; i < 128; i++) {
      const socket = await connect(server.port);
      const received = new Received(socket);
      expect(await ask(socket, received, NAME, A_NAME)).toBe(A_NAME);
      held.push({ socket, received });
    }
    const extra = await connect(server.port).catch(() => undefined);
    if (extra !== undefined) {
      extra.on("error", () => undefined);
      const extraReceived = new Received(extra);
      extra.write(NAME);
      expect(await extraReceived.until(() => extraReceived.closed, 10_000)).toBe(true);
      expect(extraReceived.length).toBe(0);
    }
    const stats = await server.stats();
    expect(stats.connectionsRefused).toBeGreaterThanOrEqual(1);
    expect(stats.connectionsOpen).toBe(128);
    for (const index of [0, 64, 127]) {
      const { socket, received } = held[index] as (typeof held)[number];
      expect(await ask(socket, received, QUEST, A_QUEST)).toBe(A_QUEST);
    }
    for (const { socket } of held) socket.destroy();
    expect((await waitForStats(server, (s) => s.connectionsOpen === 0)).connectionsOpen).toBe(0);
    await server.close();
  });

  it("on SIGTERM delivers the answers in flight, closes and exits 0", async () => {
    const server = await launchServer(kind, ["--table", LARGE_TABLE], "main");
    const { socket, received } = await answersInFlight(server.port);
    server.kill("SIGTERM");
    await sleep(300);
    expect(await readToEnd(socket, received, 30_000)).toBe(true);
    expect(received.length).toBe(IN_FLIGHT_QUESTIONS * EVERYTHING_BYTES);
    const exit = await server.exitedWithin(20_000);
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it("ignores a second SIGINT within a second: the graceful shutdown still completes", async () => {
    const server = await launchServer(kind, ["--table", LARGE_TABLE], "main");
    const { socket, received } = await answersInFlight(server.port);
    server.kill("SIGINT");
    await sleep(200);
    server.kill("SIGINT");
    await sleep(300);
    expect(await server.exitedWithin(0)).toBeUndefined();
    expect(await readToEnd(socket, received, 30_000)).toBe(true);
    expect(received.length).toBe(IN_FLIGHT_QUESTIONS * EVERYTHING_BYTES);
    expect(await server.exitedWithin(20_000)).toEqual({ code: 0, signal: null });
  });

  it("exits at once on a second signal more than a second after the first", async () => {
    const server = await launchServer(kind, ["--table", LARGE_TABLE, "--shutdown-timeout", "30"], "main");
    const { socket } = await answersInFlight(server.port); // never read: the shutdown cannot finish
    server.kill("SIGINT");
    await sleep(1500);
    expect(await server.exitedWithin(0)).toBeUndefined();
    const sentAt = Date.now();
    server.kill("SIGINT");
    const exit = await server.exitedWithin(10_000);
    expect(exit).toEqual({ code: 130, signal: null });
    recordMeasurement(kind, "second SIGINT after 1.5 s", { exitedAfterMs: Date.now() - sentAt });
    socket.destroy();
  });
});
