/**
 * Paths the Bun server implements on its own (the shared behaviour tests in impl-tests/ cover the
 * rest against both servers): the too-long reply followed by a half-close while the client still
 * sends, the linger after it, and graceful close (through startServer's close()) with output held.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchServer, type ServerProcess, stopAll, waitForStats } from "../../impl-tests/test/harness.js";
import { A_NAME, connect, Received, sleep, TOO_LONG } from "../../impl-tests/test/wire.js";

/** Waits for the server's FIN (or a close); true when it was a FIN, not a reset. */
async function closedByFin(received: Received): Promise<boolean> {
  expect(await received.end(20_000)).toBe(true);
  return received.ended || received.error === undefined;
}

describe("Bun server paths of its own", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await launchServer("bun", ["--idle-timeout", "10"]);
  });
  afterAll(async () => {
    await server?.close();
    await stopAll();
  });

  it("an over-long question: owed answers, the too-long reply, then FIN while input still flows", async () => {
    const socket = await connect(server.port, server.host);
    const got = new Received(socket);
    socket.write("What is your name?");
    socket.write("x".repeat(5000)); // past Q = 4096 without a '?'
    // The client keeps sending: the server must not reset the connection under the reply.
    for (let i = 0; i < 20; i++) socket.write("y".repeat(1000));
    expect(await closedByFin(got)).toBe(true);
    expect(got.text()).toBe(A_NAME + TOO_LONG);
    socket.end();
    expect((await waitForStats(server, (s) => s.connectionsOpen === 0)).connectionsOpen).toBe(0);
    expect((await server.stats()).tooLongQuestions).toBeGreaterThan(0);
  });

  it("after the too-long reply, a client that never sends its FIN is closed after a linger, not as idle", async () => {
    const before = await server.stats();
    const socket = await connect(server.port, server.host, 10_000, true); // no automatic FIN from us
    const got = new Received(socket);
    socket.write("z".repeat(4097));
    expect(await closedByFin(got)).toBe(true);
    expect(got.text()).toBe(TOO_LONG);
    // The server closes the connection although our side stays open.
    expect((await waitForStats(server, (s) => s.connectionsOpen === 0)).connectionsOpen).toBe(0);
    const after = await server.stats();
    expect(after.idleClosed, "closed by the linger, not the idle timeout").toBe(before.idleClosed);
    expect(after.tooLongQuestions).toBe(before.tooLongQuestions + 1);
    socket.destroy();
  });
});

describe("Bun server graceful close", () => {
  it("delivers every answer owed for the questions it took in, then FIN, with no reset", async () => {
    const server = await launchServer("bun");
    try {
      const socket = await connect(server.port, server.host);
      socket.pause();
      socket.write("What is your name?".repeat(200_000)); // more than the server reads while paused
      const paused = await waitForStats(server, (s) => s.backpressurePauses > 0, 20_000);
      expect(paused.backpressurePauses).toBeGreaterThan(0);
      await sleep(300);
      // Paused: what the server took in is fixed; the rest waits unread in the kernel.
      const taken = (await server.stats()).bytesIn;
      const owed = Math.floor(taken / 18) * 35;
      expect(owed).toBeGreaterThan(256 * 1024);
      const got = new Received(socket);
      const closing = server.close();
      await sleep(300);
      socket.resume();
      expect(await closedByFin(got)).toBe(true);
      expect(got.text().length).toBe(owed);
      expect(got.text()).toBe(A_NAME.repeat(owed / 35));
      socket.end();
      await closing;
    } finally {
      await stopAll();
    }
  });
});
