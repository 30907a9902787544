/**
 * The partial-write path of the Bun server, under the real Bun runtime: a client pipelines and
 * reads nothing until the server's writes come back short (stats.partialWrites > 0) and the server
 * has paused reading, then reads everything. Every byte must arrive once, in order.
 */
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  launchServer,
  type ServerProcess,
  stopAll,
  tablesDir,
  waitForStats,
} from "../../impl-tests/test/harness.js";
import { recordMeasurement } from "../../impl-tests/test/measurements.js";
import {
  A_COLOR,
  A_QUEST,
  askOnce,
  COLOR,
  connect,
  MiB,
  type Pattern,
  pattern,
  pushWatchingStats,
  QUEST,
  readInto,
  repeat,
  StreamChecker,
} from "../../impl-tests/test/wire.js";

const CAP = 160 * MiB;

interface TableFile {
  entries: Array<{ question: string; answer: string }>;
}

function tablePairs(file: string): Array<[string, string]> {
  const table = JSON.parse(readFileSync(join(tablesDir, file), "utf8")) as TableFile;
  return table.entries.map((e) => [e.question, e.answer]);
}

const canonical = tablePairs("canonical.json");
/** The canonical questions, an unknown one and typed separators between them. */
const canonicalPattern: Pattern = pattern([...canonical, ["Who goes there?", "I don't know that."]], "\r\n");
const largePattern: Pattern = pattern(tablePairs("large-answers.json"));

function report(label: string, values: Record<string, number>): void {
  recordMeasurement("bun", `partial writes, ${label}`, values);
}

/** Starts reading a stalled client: every byte checked against `units` repetitions of the answers. */
function readBack(socket: Socket, owed: Pattern, units: number): StreamChecker {
  const checker = new StreamChecker(owed, units);
  readInto(socket, checker);
  return checker;
}

async function waitClosed(server: ServerProcess): Promise<number> {
  return (await waitForStats(server, (s) => s.connectionsOpen === 0, 10_000)).connectionsOpen;
}

describe("Bun server: partial writes, canonical table", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await launchServer("bun");
  });
  afterAll(async () => {
    await server?.close();
    await stopAll();
  });

  async function stalledClient(): Promise<{ socket: Socket; pushed: number; units: number; first: number }> {
    const socket = await connect(server.port, server.host);
    socket.pause();
    const before = await server.stats();
    const unitsPerBatch = 512;
    const batch = repeat(canonicalPattern, unitsPerBatch);
    const pushed = await pushWatchingStats(
      socket,
      batch,
      () => server.stats(),
      (s, stalled) =>
        stalled && s.partialWrites > before.partialWrites && s.backpressurePauses > before.backpressurePauses,
      { statsEvery: 256 * 1024, capBytes: CAP },
    );
    expect(pushed.clientStalled, "the client's writes stalled: the server stopped reading").toBe(true);
    expect(pushed.stats.partialWrites).toBeGreaterThan(before.partialWrites);
    expect(pushed.stats.backpressurePauses).toBeGreaterThan(before.backpressurePauses);
    // Bounded buffering: held output never passed H (256 KiB by default).
    expect(pushed.stats.peakConnectionQueuedBytes).toBeLessThanOrEqual(256 * 1024);
    expect(pushed.stats.queuedOutputBytes).toBeGreaterThan(0);
    report("pushed", {
      questionBytesPushed: pushed.bytesPushed,
      partialWrites: pushed.stats.partialWrites - before.partialWrites,
      bytesOutWhenStalled: pushed.stats.bytesOut - before.bytesOut,
      queuedOutputBytes: pushed.stats.queuedOutputBytes,
      peakConnectionQueuedBytes: pushed.stats.peakConnectionQueuedBytes,
      backpressurePauses: pushed.stats.backpressurePauses - before.backpressurePauses,
    });
    return { socket, pushed: pushed.bytesPushed, units: pushed.batches * unitsPerBatch, first: 0 };
  }

  it("keeps every unsent byte and delivers all answers once, in order, when the client reads", async () => {
    const { socket, units } = await stalledClient();
    // Another client is answered while the first one is stalled (FAIR-1).
    const other = await askOnce(server.port, QUEST, A_QUEST, server.host);
    expect(other).toBe(A_QUEST);
    const checker = readBack(socket, canonicalPattern, units);
    const total = checker.expectedTotal;
    await checker.waitFor(() => checker.received >= total);
    expect(checker.firstMismatch).toBeUndefined();
    expect(checker.received).toBe(total);
    // Nothing more than owed: a last question gets exactly its answer, then FIN after ours.
    socket.end(COLOR);
    await checker.waitFor(() => checker.ended);
    expect(checker.ended).toBe(true);
    expect(checker.received).toBe(total + A_COLOR.length);
    const stats = await server.stats();
    report("read back", {
      answerBytes: total,
      bytesOut: stats.bytesOut,
      partialWritesTotal: stats.partialWrites,
      backpressurePausesTotal: stats.backpressurePauses,
    });
    expect(await waitClosed(server)).toBe(0);
    expect((await server.stats()).queuedOutputBytes).toBe(0);
  });

  it("half-close while output is held: every owed answer arrives, then FIN", async () => {
    const { socket, units } = await stalledClient();
    const held = (await server.stats()).queuedOutputBytes;
    expect(held).toBeGreaterThan(0);
    socket.end(); // FIN queued behind the questions the server has not read yet
    const checker = readBack(socket, canonicalPattern, units);
    const total = checker.expectedTotal;
    await checker.waitFor(() => checker.ended);
    expect(checker.firstMismatch).toBeUndefined();
    expect(checker.received).toBe(total);
    expect(checker.ended).toBe(true);
    expect(await waitClosed(server)).toBe(0);
  });
});

describe("Bun server: partial writes, large-answers table (amplification)", () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await launchServer("bun", ["--table", join(tablesDir, "large-answers.json")]);
  });
  afterAll(async () => {
    await server?.close();
    await stopAll();
  });

  async function pushUntilPaused(socket: Socket): Promise<number> {
    const before = await server.stats();
    const pushed = await pushWatchingStats(
      socket,
      largePattern.questions,
      () => server.stats(),
      (s) => s.partialWrites > before.partialWrites && s.backpressurePauses > before.backpressurePauses,
      { statsEvery: 1, capBytes: 64 * MiB },
    );
    expect(pushed.stats.partialWrites).toBeGreaterThan(before.partialWrites);
    expect(pushed.stats.backpressurePauses).toBeGreaterThan(before.backpressurePauses);
    expect(pushed.stats.peakConnectionQueuedBytes).toBeLessThanOrEqual(256 * 1024);
    report("large answers pushed", {
      patternsPushed: pushed.batches,
      questionBytesPushed: pushed.bytesPushed,
      partialWrites: pushed.stats.partialWrites - before.partialWrites,
      bytesOutWhenPaused: pushed.stats.bytesOut - before.bytesOut,
      queuedOutputBytes: pushed.stats.queuedOutputBytes,
      peakConnectionQueuedBytes: pushed.stats.peakConnectionQueuedBytes,
    });
    return pushed.batches;
  }

  it("delivers tens-of-KiB answers whole and in order after short writes", async () => {
    const socket = await connect(server.port, server.host);
    socket.pause();
    const units = await pushUntilPaused(socket);
    const other = await askOnce(server.port, "Short?", "x".repeat(30), server.host);
    expect(other).toHaveLength(30);
    const checker = readBack(socket, largePattern, units);
    const total = checker.expectedTotal;
    await checker.waitFor(() => checker.received >= total);
    expect(checker.firstMismatch).toBeUndefined();
    expect(checker.received).toBe(total);
    socket.end();
    await checker.waitFor(() => checker.ended);
    expect(checker.received).toBe(total);
    expect(await waitClosed(server)).toBe(0);
  });

  it("half-close after a partial write loses nothing", async () => {
    const socket = await connect(server.port, server.host);
    socket.pause();
    const units = await pushUntilPaused(socket);
    socket.end();
    const checker = readBack(socket, largePattern, units);
    const total = checker.expectedTotal;
    await checker.waitFor(() => checker.ended);
    expect(checker.firstMismatch).toBeUndefined();
    expect(checker.received).toBe(total);
    expect(await waitClosed(server)).toBe(0);
    const stats = await server.stats();
    expect(stats.queuedOutputBytes).toBe(0);
    report("large answers read back", {
      partialWritesTotal: stats.partialWrites,
      backpressurePausesTotal: stats.backpressurePauses,
      bytesOut: stats.bytesOut,
    });
  });
});
