/**
 * The linger both servers share (the idle clock of @bridgekeeper/server-kit): after their last
 * byte, when the client has not sent its FIN (the too-long reply, a graceful shutdown), they send
 * FIN, read and drop input until the client's FIN, and close at most LINGER_MS (2 s) after their
 * last byte left, whatever the client sends meanwhile; never as idle, and never by a reset under
 * the reply. Bounds are coarse: far above 2 s, below the idle timeout and the shutdown deadline
 * that would close the connection otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchServer, SERVER_KINDS, type ServerProcess, stopAll, waitForStats } from "./harness.js";
import { A_NAME, ask, closedByFin, connect, NAME, Received, sleep, TOO_LONG } from "./wire.js";

describe.each(SERVER_KINDS)("%s server: the linger after its last byte", (kind) => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await launchServer(kind, ["--idle-timeout", "10"]);
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

  it("after the too-long reply, a client that keeps sending and never sends its FIN is closed within the linger, long before I", async () => {
    const before = await server.stats();
    const socket = await connect(server.port, server.host, 10_000, true);
    const got = new Received(socket);
    socket.write("z".repeat(4097));
    expect(await closedByFin(got)).toBe(true);
    // Input every 200 ms: activity that would keep the connection from ever being idle.
    const sender = setInterval(() => socket.writable && socket.write("more input "), 200);
    try {
      const closed = await waitForStats(server, (s) => s.connectionsOpen === 0, 8000);
      // Within 8 s of the server's FIN, below I = 10 s, while the client still sent.
      expect(closed.connectionsOpen, "closed by the linger while the client still sent").toBe(0);
      expect(closed.idleClosed).toBe(before.idleClosed);
    } finally {
      clearInterval(sender);
      socket.destroy();
    }
  });
});

describe.each(SERVER_KINDS)("%s server: the linger at a graceful shutdown", (kind) => {
  afterAll(async () => {
    await stopAll();
  });

  it("answers, sends FIN, and closes a client that never sends its FIN after the linger, long before the deadline", async () => {
    const server = await launchServer(kind, ["--shutdown-timeout", "30"]);
    const socket = await connect(server.port, server.host, 10_000, true); // no automatic FIN from us
    const got = new Received(socket);
    expect(await ask(socket, got, NAME, A_NAME)).toBe(A_NAME);
    const closedAt = Date.now();
    const closed = server.close();
    expect(await closedByFin(got)).toBe(true);
    await closed; // resolves once the server has closed its last connection
    expect(Date.now() - closedAt, "closed by the linger, not by the 30 s deadline").toBeLessThan(15_000);
    await sleep(100);
    expect(got.text()).toBe(A_NAME);
    socket.destroy();
  });
});
