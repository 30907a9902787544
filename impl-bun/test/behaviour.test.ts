/**
 * Paths the Bun server implements on its own (the shared behaviour tests in impl-tests/ cover the
 * rest against both servers): the too-long reply followed by a half-close, the connection limit,
 * resets reported by Bun's close callback, its own idle timer, and graceful close with output held.
 */
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlledServer, startControlled, stopAll } from "./harness.js";
import { connectTo } from "./wire.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects everything a socket receives until the server's FIN or a reset. */
function collect(socket: Socket): { text: () => string; closed: Promise<"end" | "reset"> } {
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<"end" | "reset">((resolveClosed) => {
    socket.once("end", () => resolveClosed("end"));
    socket.once("error", () => resolveClosed("reset"));
    socket.once("close", () => resolveClosed("end"));
  });
  return { text: () => Buffer.concat(chunks).toString("utf8"), closed };
}

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

describe("Bun server paths of its own", () => {
  let server: ControlledServer;
  beforeAll(async () => {
    server = await startControlled(["--max-connections", "128", "--idle-timeout", "10"]);
  });
  afterAll(async () => {
    await server?.close();
    await stopAll();
  });

  it("an over-long question: owed answers, the too-long reply, then FIN while input still flows", async () => {
    const socket = await connectTo(server.host, server.port);
    const got = collect(socket);
    socket.write("What is your name?");
    socket.write("x".repeat(5000)); // past Q = 4096 without a '?'
    // The client keeps sending: the server must not reset the connection under the reply.
    for (let i = 0; i < 20; i++) socket.write("y".repeat(1000));
    expect(await got.closed).toBe("end");
    expect(got.text()).toBe("My name is Sir Lancelot of Camelot.Your question is too long.");
    socket.end();
    expect(await until(async () => (await server.stats()).connectionsOpen === 0)).toBe(true);
    expect((await server.stats()).tooLongQuestions).toBeGreaterThan(0);
  });

  it("after the too-long reply, a client that never sends its FIN is closed after a linger, not as idle", async () => {
    const before = await server.stats();
    const socket = await connectTo(server.host, server.port, true); // no automatic FIN from us
    const got = collect(socket);
    socket.write("z".repeat(4097));
    expect(await got.closed).toBe("end");
    expect(got.text()).toBe("Your question is too long.");
    // The server closes the connection although our side stays open.
    expect(await until(async () => (await server.stats()).connectionsOpen === 0)).toBe(true);
    const after = await server.stats();
    expect(after.idleClosed, "closed by the linger, not the idle timeout").toBe(before.idleClosed);
    expect(after.tooLongQuestions).toBe(before.tooLongQuestions + 1);
    socket.destroy();
  });

  it("connections past the limit are closed at once; the held ones are still served", async () => {
    const held = await Promise.all(Array.from({ length: 128 }, () => connectTo(server.host, server.port)));
    expect(await until(async () => (await server.stats()).connectionsOpen === 128)).toBe(true);
    const extra = await connectTo(server.host, server.port);
    const extraGot = collect(extra);
    extra.write("What is your name?");
    await extraGot.closed;
    expect(extraGot.text()).toBe("");
    expect((await server.stats()).connectionsRefused).toBeGreaterThan(0);
    const first = held[0] as Socket;
    const answer = collect(first);
    first.end("What is your quest?");
    await answer.closed;
    expect(answer.text()).toBe("To seek the Holy Grail.");
    for (const socket of held) socket.destroy();
    expect(await until(async () => (await server.stats()).connectionsOpen === 0)).toBe(true);
  });

  it("client resets are counted and cleaned up; the server keeps answering", async () => {
    const before = await server.stats();
    for (let i = 0; i < 50; i++) {
      const socket = await connectTo(server.host, server.port);
      socket.write(i % 2 === 0 ? "What is your" : "What is your name?What is your quest?");
      if (i % 2 === 1) await sleep(5);
      socket.resetAndDestroy();
    }
    expect(await until(async () => (await server.stats()).connectionsOpen === 0)).toBe(true);
    expect((await server.stats()).resets).toBeGreaterThan(before.resets);
    const socket = await connectTo(server.host, server.port);
    const got = collect(socket);
    socket.end("What is your favorite color?");
    await got.closed;
    expect(got.text()).toBe("Blue.");
  });

  it("closes a connection idle past the idle timeout (10 s), not before", async () => {
    const before = await server.stats();
    const socket = await connectTo(server.host, server.port);
    const got = collect(socket);
    const opened = Date.now();
    socket.write("What is your ");
    const how = await got.closed;
    const waited = Date.now() - opened;
    expect(how).toBe("end");
    expect(waited).toBeGreaterThanOrEqual(10_000);
    expect(got.text()).toBe("");
    expect((await server.stats()).idleClosed).toBe(before.idleClosed + 1);
  }, 60_000);
});

describe("Bun server graceful close", () => {
  it("delivers every answer owed for the questions it took in, then FIN, with no reset", async () => {
    const server = await startControlled([]);
    try {
      const socket = await connectTo(server.host, server.port);
      socket.pause();
      socket.write("What is your name?".repeat(200_000)); // more than the server reads while paused
      expect(await until(async () => (await server.stats()).backpressurePauses > 0)).toBe(true);
      await sleep(300);
      // Paused: what the server took in is fixed; the rest waits unread in the kernel.
      const taken = (await server.stats()).bytesIn;
      const owed = Math.floor(taken / 18) * 35;
      expect(owed).toBeGreaterThan(256 * 1024);
      const got = collect(socket);
      const closing = server.close();
      await sleep(300);
      socket.resume();
      expect(await got.closed).toBe("end");
      expect(got.text().length).toBe(owed);
      expect(got.text()).toBe("My name is Sir Lancelot of Camelot.".repeat(owed / 35));
      socket.end();
      await closing;
    } finally {
      await stopAll();
    }
  });
});
