/** The Node server's loop around the core, in-process through startServer over loopback TCP. */
import type { RunningServer } from "@bridgekeeper/server-kit";
import { LimitError } from "@bridgekeeper/spec";
import { afterEach, describe, expect, it } from "vitest";
import { startServer } from "../src/server.js";
import { Collected, connect, sleep, waitFor } from "./helpers.js";

const NAME = "What is your name?";
const A_NAME = "My name is Sir Lancelot of Camelot.";
const QUEST = "What is your quest?";
const A_QUEST = "To seek the Holy Grail.";
const UNKNOWN = "I don't know that.";

const servers: RunningServer[] = [];
async function serve(limits: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const server = await startServer({ host: "127.0.0.1", port: 0, log: () => undefined, ...limits });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("startServer", () => {
  it("listens on the given host and a free port", async () => {
    const server = await serve();
    expect(server.host).toBe("127.0.0.1");
    expect(server.port).toBeGreaterThan(0);
  });

  it("rejects limits outside the spec's range with a LimitError", async () => {
    await expect(startServer({ port: 0, limits: { highWaterMarkBytes: 1000 } })).rejects.toBeInstanceOf(
      LimitError,
    );
  });

  it("counts connections, answers, unknown questions and bytes in stats()", async () => {
    const server = await serve();
    const socket = await connect(server.port);
    const got = new Collected(socket);
    const sent = `${NAME}Huh?${QUEST}`;
    socket.write(sent);
    const want = A_NAME + UNKNOWN + A_QUEST;
    expect(await waitFor(() => got.length >= want.length)).toBe(true);
    expect(got.text()).toBe(want);
    const stats = server.stats();
    expect(stats).toMatchObject({
      connectionsOpen: 1,
      connectionsTotal: 1,
      questionsAnswered: 2,
      unknownQuestions: 1,
      bytesIn: sent.length,
      bytesOut: want.length,
      queuedOutputBytes: 0,
    });
    socket.destroy();
    expect(await waitFor(() => server.stats().connectionsOpen === 0)).toBe(true);
  });

  it("applies --max-question: a question past Q bytes gets the too-long reply and a close", async () => {
    const server = await serve({ limits: { maxQuestionBytes: 1024 } });
    const socket = await connect(server.port);
    const got = new Collected(socket);
    socket.write(`${NAME}${"x".repeat(1024)}?`);
    expect(await waitFor(() => got.ended)).toBe(true);
    expect(got.text()).toBe(`${A_NAME}Your question is too long.`);
    expect(server.stats().tooLongQuestions).toBe(1);
    socket.destroy();
  });

  it("accepts a question of exactly Q bytes", async () => {
    const server = await serve({ limits: { maxQuestionBytes: 1024 } });
    const socket = await connect(server.port);
    const got = new Collected(socket);
    socket.write(`${"y".repeat(1023)}?`);
    expect(await waitFor(() => got.length >= UNKNOWN.length)).toBe(true);
    expect(got.text()).toBe(UNKNOWN);
    socket.destroy();
  });

  it("holds at most H bytes for a client that does not read, pauses it, and delivers everything later", async () => {
    const H = 16 * 1024;
    const server = await serve({ limits: { highWaterMarkBytes: H } });
    const socket = await connect(server.port);
    socket.pause();
    const count = 600_000; // 11 MB of questions, 14 MB of answers: more than loopback buffers take at once
    socket.write(QUEST.repeat(count));
    expect(await waitFor(() => server.stats().backpressurePauses > 0, 30_000)).toBe(true);
    await sleep(300);
    const stalled = server.stats();
    expect(stalled.peakConnectionQueuedBytes).toBeLessThanOrEqual(H);
    expect(stalled.queuedOutputBytes).toBeLessThanOrEqual(H);
    expect(stalled.questionsAnswered).toBeLessThan(count);
    let bytes = 0;
    let wrong = false;
    socket.on("data", (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== A_QUEST.charCodeAt((bytes + i) % A_QUEST.length)) wrong = true;
      }
      bytes += chunk.length;
    });
    socket.resume();
    expect(await waitFor(() => bytes >= count * A_QUEST.length, 60_000)).toBe(true);
    expect(wrong).toBe(false);
    expect(bytes).toBe(count * A_QUEST.length);
    const after = server.stats();
    expect(after.questionsAnswered).toBe(count);
    expect(after.partialWrites).toBeGreaterThan(0);
    expect(after.peakConnectionQueuedBytes).toBeLessThanOrEqual(H);
    socket.destroy();
  });

  it("answers complete questions after the client's FIN, drops the unfinished one, then ends", async () => {
    const server = await serve();
    const socket = await connect(server.port);
    const got = new Collected(socket);
    socket.end(`${NAME}${QUEST}What is your fav`);
    expect(await waitFor(() => got.closed)).toBe(true);
    expect(got.ended).toBe(true);
    expect(got.text()).toBe(A_NAME + A_QUEST);
  });

  it("survives 500 resets at random moments without an unhandled error", async () => {
    const server = await serve();
    const questions = QUEST.repeat(5000);
    for (let i = 0; i < 500; i++) {
      const socket = await connect(server.port);
      const moment = i % 4;
      if (moment === 1) socket.write("What is yo");
      if (moment === 2) socket.write(questions);
      if (moment === 3) {
        socket.write(questions);
        await new Promise((resolve) => socket.once("data", resolve));
      }
      socket.resetAndDestroy();
    }
    expect(await waitFor(() => server.stats().connectionsOpen === 0, 30_000)).toBe(true);
    const stats = server.stats();
    expect(stats.resets).toBeGreaterThan(0);
    expect(stats.connectionsTotal).toBe(500);
    const socket = await connect(server.port);
    const got = new Collected(socket);
    socket.write(NAME);
    expect(await waitFor(() => got.length >= A_NAME.length)).toBe(true);
    socket.destroy();
  });

  it("counts connections past the limit as refused and closes them at once", async () => {
    const server = await serve({ limits: { maxConnections: 128 } });
    const held = [];
    for (let i = 0; i < 128; i++) held.push(await connect(server.port));
    expect(await waitFor(() => server.stats().connectionsOpen === 128)).toBe(true);
    const extra = await connect(server.port);
    const got = new Collected(extra);
    expect(await waitFor(() => got.closed, 10_000)).toBe(true);
    expect(got.length).toBe(0);
    expect(server.stats().connectionsRefused).toBe(1);
    for (const socket of held) socket.destroy();
  });

  it("close() finishes owed answers, ends every connection and stops accepting", async () => {
    const server = await startServer({ port: 0, log: () => undefined });
    const idle = await connect(server.port);
    const idleGot = new Collected(idle);
    const busy = await connect(server.port);
    const busyGot = new Collected(busy);
    busy.pause();
    busy.write(NAME.repeat(50_000)); // 1.75 MB of answers owed
    expect(await waitFor(() => server.stats().questionsAnswered > 0)).toBe(true);
    const closed = server.close();
    busy.resume();
    await closed;
    // The server has closed its sockets; the kernel still delivers what they held, then FIN.
    expect(await waitFor(() => idleGot.ended && busyGot.ended)).toBe(true);
    expect(busyGot.length % A_NAME.length).toBe(0);
    expect(busyGot.length).toBe(server.stats().questionsAnswered * A_NAME.length);
    await expect(connect(server.port)).rejects.toThrow();
  });
});
