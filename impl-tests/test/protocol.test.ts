/**
 * Behaviour tests for both servers, over real loopback TCP against the server as a
 * child process: framing, pipelining, unknown and over-long questions, bounded buffering under a
 * client that does not read (with fairness, amplification and half-close), and abrupt resets.
 */
import type { Socket } from "node:net";
import { join } from "node:path";
import { Prng } from "@bridgekeeper/client-kit";
import type { QuestionTable } from "@bridgekeeper/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchServer,
  SERVER_KINDS,
  type ServerProcess,
  stopAll,
  tablesDir,
  waitForStats,
} from "./harness.js";
import { recordMeasurement } from "./measurements.js";
import {
  A_COLOR,
  A_NAME,
  A_QUEST,
  AnswerVerifier,
  ask,
  COLOR,
  connect,
  enc,
  KiB,
  loadTable,
  MiB,
  NAME,
  type PushResult,
  pushUntilStall,
  QUEST,
  QuestionStream,
  Received,
  reset,
  scriptOf,
  sleep,
  TOO_LONG,
  UNKNOWN_REPLY,
  waitUntil,
} from "./wire.js";

/** Default high-water mark H (256 KiB). */
const H = 256 * KiB;
/**
 * The bound on output held for one connection: a loop pulls from the core only while it holds less
 * than H, and one pull is at most max(H - held, 64 KiB), so it never holds more than H + 64 KiB.
 */
const HELD_BOUND = H + 64 * KiB;
/** Cap on bytes a non-reading client pushes (the issue asks for at least 128 MiB). */
const PUSH_CAP = 160 * MiB;

/**
 * Pushes until the client's writes stall (no 'drain' for 2 s). On a loaded machine a slow server can
 * look stalled while it is still reading, so a stall counts only once stats() shows a new pause;
 * otherwise pushing goes on, within the same overall cap.
 */
async function pushUntilPaused(
  server: ServerProcess,
  socket: Socket,
  nextBatch: () => Buffer,
  pausesBefore: number,
): Promise<PushResult> {
  let pushed = 0;
  for (;;) {
    const push = await pushUntilStall(socket, nextBatch, PUSH_CAP - pushed, 2000);
    pushed += push.pushed;
    if (!push.stalled) return { ...push, pushed };
    if ((await server.stats()).backpressurePauses > pausesBefore) return { ...push, pushed };
  }
}

/** Reads everything a non-reading client is owed, verifying as it goes; returns when complete or on timeout. */
async function readAllOwed(socket: Socket, verifier: AnswerVerifier, timeoutMs: number): Promise<void> {
  socket.on("data", (chunk: Buffer) => verifier.feed(chunk));
  socket.resume();
  await waitUntil(() => verifier.answers >= verifier.expected || verifier.error !== undefined, timeoutMs);
}

describe.each(SERVER_KINDS)("%s server", (kind) => {
  let server: ServerProcess;
  let canonical: QuestionTable;

  beforeAll(async () => {
    canonical = await loadTable("canonical");
    server = await launchServer(kind);
  });

  afterAll(async () => {
    await stopAll();
  });

  it("answers a question split into one-byte writes, byte-exact", async () => {
    const socket = await connect(server.port);
    const received = new Received(socket);
    const text = `${NAME}${QUEST}${COLOR}`;
    for (const byte of enc(text)) {
      socket.write(Buffer.from([byte]));
      await sleep(2);
    }
    const want = A_NAME + A_QUEST + A_COLOR;
    expect((await received.atLeast(Buffer.byteLength(want))).toString()).toBe(want);
    socket.destroy();
  });

  it("answers pipelined questions in one write, in order, then closes after the client's FIN", async () => {
    const script = scriptOf(canonical);
    const seed = 1234;
    const stream = new QuestionStream(script, seed);
    const batch = stream.batch(20 * KiB);
    const socket = await connect(server.port);
    const verifier = new AnswerVerifier(script, seed);
    verifier.expected = stream.count;
    const received = new Received(socket);
    socket.on("data", (chunk: Buffer) => verifier.feed(chunk));
    socket.end(batch);
    expect(await received.end(30_000)).toBe(true);
    expect(verifier.error).toBeUndefined();
    expect(verifier.answers).toBe(stream.count);
  });

  it("replies to unknown questions and keeps the stream in sync", async () => {
    const socket = await connect(server.port);
    const received = new Received(socket);
    socket.write(`Huh?${NAME}What is the capital of Assyria?${COLOR}`);
    const want = `${UNKNOWN_REPLY}${A_NAME}${UNKNOWN_REPLY}${A_COLOR}`;
    expect((await received.atLeast(Buffer.byteLength(want))).toString()).toBe(want);
    expect(await ask(socket, received, QUEST, A_QUEST)).toBe(A_QUEST);
    socket.destroy();
  });

  it("skips CR, LF, spaces and tabs between questions", async () => {
    const socket = await connect(server.port);
    const received = new Received(socket);
    socket.write(`\r\n${NAME}\r\n\r\n  \t${QUEST}\n`);
    await sleep(20);
    socket.write(`\r\n${COLOR}\r\n`);
    const want = A_NAME + A_QUEST + A_COLOR;
    expect((await received.atLeast(Buffer.byteLength(want))).toString()).toBe(want);
    await sleep(200);
    expect(received.text()).toBe(want);
    socket.destroy();
  });

  it("answers owed questions, replies too-long and closes when a question passes the limit", async () => {
    const socket = await connect(server.port);
    const received = new Received(socket);
    socket.write(`${NAME}${QUEST}`);
    socket.write("x".repeat(5000));
    expect(await received.end(20_000)).toBe(true);
    expect(received.text()).toBe(A_NAME + A_QUEST + TOO_LONG);
    socket.destroy();
    const stats = await server.stats();
    expect(stats.tooLongQuestions).toBeGreaterThanOrEqual(1);
  });

  it("stops reading a client that pipelines and never reads, serves others meanwhile, then delivers every answer once, in order", async () => {
    const script = scriptOf(canonical);
    const seed = 0xc0ffee;
    const stream = new QuestionStream(script, seed);
    const rssBefore = server.rssKiB();
    const before = await server.stats();
    const slow = await connect(server.port);
    slow.pause();
    const push = await pushUntilPaused(server, slow, () => stream.batch(64 * KiB), before.backpressurePauses);
    // The server stopped consuming input long before the cap: the client's writes stalled.
    expect(push.stalled).toBe(true);
    expect(push.pushed).toBeLessThan(PUSH_CAP);
    const during = await server.stats();
    const rssDuring = server.rssKiB();
    expect(during.backpressurePauses).toBeGreaterThan(before.backpressurePauses);
    expect(during.peakConnectionQueuedBytes).toBeGreaterThan(0);
    expect(during.peakConnectionQueuedBytes).toBeLessThanOrEqual(HELD_BOUND);
    expect(during.queuedOutputBytes).toBeLessThanOrEqual(HELD_BOUND);

    // Fairness: another client is answered while the first one is stalled.
    const other = await connect(server.port);
    const otherReceived = new Received(other);
    expect(await ask(other, otherReceived, NAME, A_NAME)).toBe(A_NAME);
    expect(await ask(other, otherReceived, COLOR, A_COLOR)).toBe(A_COLOR);
    other.destroy();

    const verifier = new AnswerVerifier(script, seed);
    verifier.expected = stream.count;
    const received = new Received(slow);
    await readAllOwed(slow, verifier, 120_000);
    expect(verifier.error).toBeUndefined();
    expect(verifier.answers).toBe(stream.count);
    slow.end();
    expect(await received.end(20_000)).toBe(true);
    expect(verifier.error).toBeUndefined(); // nothing after the last answer
    const after = await server.stats();
    recordMeasurement(kind, "non-reading client (canonical table)", {
      bytesPushed: push.pushed,
      questionsPushed: stream.count,
      answerBytesRead: verifier.bytes,
      rssBeforeKiB: rssBefore,
      rssWhileStalledKiB: rssDuring,
      rssAfterKiB: server.rssKiB(),
      backpressurePauses: during.backpressurePauses - before.backpressurePauses,
      peakConnectionQueuedBytes: during.peakConnectionQueuedBytes,
      queuedOutputBytesWhileStalled: during.queuedOutputBytes,
      partialWrites: after.partialWrites,
    });
  });

  describe("with the large-answers table", () => {
    let large: ServerProcess;
    let table: QuestionTable;

    beforeAll(async () => {
      table = await loadTable("large-answers");
      large = await launchServer(kind, ["--table", join(tablesDir, "large-answers.json")]);
    });

    it("bounds held output under amplification and, after a half-close behind backpressure, sends every owed answer then FIN", async () => {
      const script = scriptOf(table);
      const seed = 77;
      // Each question is preceded by 2 KiB of CR LF (skipped by the framing), so the megabytes that
      // kernel buffers hold when the client stalls are a few thousand questions: each still owes
      // tens of KiB of answer, but reading everything back stays near 100 MB instead of gigabytes.
      const stream = new QuestionStream(script, seed, false, 2 * KiB);
      const rssBefore = large.rssKiB();
      const slow = await connect(large.port);
      slow.pause();
      const push = await pushUntilPaused(large, slow, () => stream.batch(16 * KiB), 0);
      expect(push.stalled).toBe(true);
      const during = await large.stats();
      const rssDuring = large.rssKiB();
      expect(during.backpressurePauses).toBeGreaterThan(0);
      expect(during.peakConnectionQueuedBytes).toBeLessThanOrEqual(HELD_BOUND);

      const other = await connect(large.port);
      const otherReceived = new Received(other);
      const short = table.entries.find((e) => e.questionText === "Short?");
      expect(short).toBeDefined();
      const shortAnswer = short?.answerText ?? "";
      expect(await ask(other, otherReceived, "Short?", shortAnswer)).toBe(shortAnswer);
      other.destroy();

      // Half-close while answers are still queued behind backpressure.
      slow.end();
      const verifier = new AnswerVerifier(script, seed);
      verifier.expected = stream.count;
      const received = new Received(slow);
      await readAllOwed(slow, verifier, 150_000);
      expect(verifier.error).toBeUndefined();
      expect(verifier.answers).toBe(stream.count);
      expect(await received.end(20_000)).toBe(true);
      expect(verifier.error).toBeUndefined();
      recordMeasurement(kind, "non-reading client, large answers, half-close", {
        bytesPushed: push.pushed,
        questionsPushed: stream.count,
        answerBytesRead: verifier.bytes,
        rssBeforeKiB: rssBefore,
        rssWhileStalledKiB: rssDuring,
        rssAfterKiB: large.rssKiB(),
        backpressurePauses: during.backpressurePauses,
        peakConnectionQueuedBytes: during.peakConnectionQueuedBytes,
        partialWrites: (await large.stats()).partialWrites,
      });
    });

    it("survives 1000 abrupt resets at random moments and returns to zero open connections", async () => {
      const prng = new Prng(4242);
      const sentinel = await connect(large.port);
      const sentinelReceived = new Received(sentinel);
      const before = await large.stats();
      const moments = [0, 0, 0, 0, 0];
      const everything = enc("Tell me everything?".repeat(20));
      const one = async (moment: number): Promise<void> => {
        moments[moment] = (moments[moment] ?? 0) + 1;
        let socket: Socket;
        try {
          socket = await connect(large.port);
        } catch {
          return;
        }
        socket.on("error", () => undefined);
        switch (moment) {
          case 0: // mid-question
            socket.write("What is your na");
            await sleep(prng.below(3));
            break;
          case 1: // right after a question
            socket.write("Short?");
            break;
          case 2: // with answers owed
            socket.write(everything);
            await sleep(prng.below(5));
            break;
          case 3: {
            // mid-answer
            const got = new Received(socket);
            socket.write("Tell me everything?");
            await got.until(() => got.length > 0, 10_000);
            break;
          }
          default: // right after connecting
            break;
        }
        reset(socket);
      };
      const total = 1000;
      let next = 0;
      const workers = Array.from({ length: 20 }, async () => {
        while (next < total) {
          next++;
          await one(prng.below(5));
        }
      });
      await Promise.all(workers);
      // The server is alive, serves an old connection and a new one.
      expect(await ask(sentinel, sentinelReceived, "Short?", "x".repeat(30))).toHaveLength(30);
      const fresh = await connect(large.port);
      const freshReceived = new Received(fresh);
      expect(await ask(fresh, freshReceived, "Short?", "x".repeat(30))).toHaveLength(30);
      fresh.destroy();
      sentinel.destroy();
      const after = await waitForStats(large, (s) => s.connectionsOpen === 0, 30_000);
      expect(after.connectionsOpen).toBe(0);
      expect(after.resets).toBeGreaterThan(before.resets);
      expect(after.connectionsTotal - before.connectionsTotal).toBeGreaterThanOrEqual(total);
      recordMeasurement(kind, "1000 resets", {
        moments: moments.join("/"),
        resetsCounted: after.resets - before.resets,
        connectionsOpenAfter: after.connectionsOpen,
      });
    });
  });
});
