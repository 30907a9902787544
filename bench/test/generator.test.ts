/**
 * The load generator and idle mode against the Node baseline, briefly: they must connect, ask,
 * check every answer and report figures the OS gave. No figure's size is asserted, only its sense.
 */

import { createServer, type Server, type Socket } from "node:net";
import type { LaunchedTarget } from "@bridgekeeper/conformance";
import type { QuestionTable } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { measureIdle } from "../src/idle.js";
import { runLoad, shares } from "../src/load-generator.js";
import { launchBenchTarget, resolveTargets, sampleTarget } from "../src/targets.js";

let server: LaunchedTarget;
let table: QuestionTable;

beforeAll(async () => {
  table = await loadTableFile();
  const [target] = resolveTargets(["node-minimal"], { baselines: false, serverArgs: [], tablePath: null });
  if (target === undefined) throw new Error("no node-minimal target");
  server = await launchBenchTarget(target, 30_000);
});

afterAll(async () => {
  await server?.stop();
});

describe("shares", () => {
  it("splits connections across workers as evenly as possible, never into empty shares", () => {
    expect(shares(50, 1)).toEqual([50]);
    expect(shares(50, 3)).toEqual([17, 17, 16]);
    expect(shares(2, 4)).toEqual([1, 1]);
  });
});

describe("runLoad", () => {
  it.each([
    [{ connections: 4, pipeline: 1 }, 1],
    [{ connections: 5, pipeline: 16 }, 2],
  ])(
    "drives %j with %i worker(s), every answer correct, server CPU and RSS from /proc",
    async (load, workers) => {
      const result = await runLoad({
        host: server.host,
        port: server.port,
        load,
        questions: table.entries.map((e) => e.question),
        answers: table.entries.map((e) => e.answer),
        clientWorkers: workers,
        warmupMs: 200,
        durationMs: 500,
        sampleServer: () => sampleTarget(server),
      });
      expect(result.connected).toBe(load.connections);
      expect(result.errors).toBe(0);
      expect(result.wrong).toBe(0);
      expect(result.answers).toBeGreaterThan(0);
      expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
      expect(result.p99Ms).toBeLessThanOrEqual(result.p999Ms);
      expect(result.serverRssBytes).toBeGreaterThan(0);
      expect(result.serverCpuMsPer1000).not.toBeNull();
      expect(result.generatorCpuUsPerAnswer).toBeGreaterThan(0);
    },
  );

  it("counts wrong answers from a server that answers badly", async () => {
    // Answers every '?' with "Blue." whatever was asked: two of three canonical answers are wrong.
    const sockets = new Set<Socket>();
    const liar: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", (chunk: Buffer) => {
        let count = 0;
        for (const byte of chunk) if (byte === 0x3f) count++;
        if (count > 0) socket.write("Blue.".repeat(count));
      });
      socket.on("error", () => socket.destroy());
    });
    await new Promise<void>((resolve) => liar.listen(0, "127.0.0.1", resolve));
    try {
      const address = liar.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      const result = await runLoad({
        host: "127.0.0.1",
        port,
        load: { connections: 3, pipeline: 1 },
        questions: table.entries.map((e) => e.question),
        answers: table.entries.map((e) => e.answer),
        clientWorkers: 1,
        warmupMs: 100,
        durationMs: 400,
        sampleServer: async () => null,
      });
      expect(result.answers).toBeGreaterThan(0);
      expect(result.wrong).toBeGreaterThan(0);
      expect(result.wrong).toBeLessThan(result.answers);
      expect(result.serverCpuMsPer1000).toBeNull();
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => liar.close(() => resolve()));
    }
  });

  it("fails with a typed error when nothing listens", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const address = probe.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(
      runLoad({
        host: "127.0.0.1",
        port,
        load: { connections: 2, pipeline: 1 },
        questions: table.entries.map((e) => e.question),
        answers: table.entries.map((e) => e.answer),
        clientWorkers: 1,
        warmupMs: 0,
        durationMs: 100,
        sampleServer: async () => null,
      }),
    ).rejects.toMatchObject({ code: "E_BENCH_LOAD" });
  });
});

describe("measureIdle", () => {
  it("holds every connection after one answered question and reports the server's descriptors", async () => {
    const result = await measureIdle({
      host: server.host,
      port: server.port,
      connections: 200,
      questions: table.entries.map((e) => e.question),
      answers: table.entries.map((e) => e.answer),
      sampleServer: () => sampleTarget(server),
      warmConnections: 10,
      settleMs: 300,
    });
    expect(result.held).toBe(200);
    expect(result.failed).toBe(0);
    expect(result.wrong).toBe(0);
    expect(result.serverFdsGained).toBe(200);
    expect(result.bytesPerConnection).not.toBeNull();
  });
});
