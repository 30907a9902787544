/**
 * The partial-write path of the Bun server, under the real Bun runtime: a client pipelines and
 * reads nothing until the server's writes come back short (stats.partialWrites > 0) and the server
 * has paused reading, then reads everything. Every byte must arrive once, in order.
 */
import { readFileSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlledServer, startControlled, stopAll, tablesDir } from "./harness.js";
import {
  askOnce,
  connectTo,
  type Pattern,
  pattern,
  pushWithoutReading,
  readInto,
  repeat,
  StreamChecker,
} from "./wire.js";

const MiB = 1024 * 1024;
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

function report(label: string, values: Record<string, number | boolean>): void {
  console.log(`[impl-bun partial writes] ${label}: ${JSON.stringify(values)}`);
}

async function waitClosed(server: ControlledServer): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const stats = await server.stats();
    if (stats.connectionsOpen === 0) return 0;
    await new Promise((r) => setTimeout(r, 100));
  }
  return (await server.stats()).connectionsOpen;
}

describe("Bun server: partial writes, canonical table", () => {
  let server: ControlledServer;
  beforeAll(async () => {
    server = await startControlled([]);
  });
  afterAll(async () => {
    await server?.close();
    await stopAll();
  });

  async function stalledClient(): Promise<{ socket: Socket; pushed: number; units: number; first: number }> {
    const socket = await connectTo(server.host, server.port);
    socket.pause();
    const before = await server.stats();
    const unitsPerBatch = 512;
    const batch = repeat(canonicalPattern, unitsPerBatch);
    const pushed = await pushWithoutReading(
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
    const other = await askOnce(server.host, server.port, "What is your quest?", 23);
    expect(other).toBe("To seek the Holy Grail.");
    const total = units * canonicalPattern.answers.length;
    const checker = new StreamChecker(canonicalPattern.answers, total);
    readInto(socket, checker);
    await checker.waitFor(() => checker.received >= total);
    expect(checker.firstMismatch).toBeUndefined();
    expect(checker.received).toBe(total);
    // Nothing more than owed: a last question gets exactly its answer, then FIN after ours.
    socket.end("What is your favorite color?");
    await checker.waitFor(() => checker.ended);
    expect(checker.ended).toBe(true);
    expect(checker.received).toBe(total + "Blue.".length);
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
    const total = units * canonicalPattern.answers.length;
    const checker = new StreamChecker(canonicalPattern.answers, total);
    readInto(socket, checker);
    await checker.waitFor(() => checker.ended);
    expect(checker.firstMismatch).toBeUndefined();
    expect(checker.received).toBe(total);
    expect(checker.ended).toBe(true);
    expect(await waitClosed(server)).toBe(0);
  });
});

describe("Bun server: partial writes, large-answers table (amplification)", () => {
  let server: ControlledServer;
  beforeAll(async () => {
    server = await startControlled(["--table", join(tablesDir, "large-answers.json")]);
  });
  afterAll(async () => {
    await server?.close();
    await stopAll();
  });

  async function pushUntilPaused(socket: Socket): Promise<number> {
    const before = await server.stats();
    const pushed = await pushWithoutReading(
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
    const socket = await connectTo(server.host, server.port);
    socket.pause();
    const units = await pushUntilPaused(socket);
    const other = await askOnce(server.host, server.port, "Short?", 30);
    expect(other).toHaveLength(30);
    const total = units * largePattern.answers.length;
    const checker = new StreamChecker(largePattern.answers, total);
    readInto(socket, checker);
    await checker.waitFor(() => checker.received >= total);
    expect(checker.firstMismatch).toBeUndefined();
    expect(checker.received).toBe(total);
    socket.end();
    await checker.waitFor(() => checker.ended);
    expect(checker.received).toBe(total);
    expect(await waitClosed(server)).toBe(0);
  });

  it("half-close after a partial write loses nothing", async () => {
    const socket = await connectTo(server.host, server.port);
    socket.pause();
    const units = await pushUntilPaused(socket);
    socket.end();
    const total = units * largePattern.answers.length;
    const checker = new StreamChecker(largePattern.answers, total);
    readInto(socket, checker);
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
