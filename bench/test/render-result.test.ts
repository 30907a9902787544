import { describe, expect, it } from "vitest";
import { renderText } from "../src/render-result.js";
import type { BenchResult } from "../src/run.js";

const base: BenchResult = {
  command: "npm run bench -- --target node",
  startedAt: "2026-11-25T19:00:00.000Z",
  machine: { cpus: 2, cpuModel: "AMD EPYC", memoryMiB: 1024, kernel: "6.1", node: "v20.20.2", bun: "1.4.5" },
  settings: {
    durationSeconds: 3,
    warmupSeconds: 1,
    rounds: 5,
    clientWorkers: 1,
    table: "fixtures/tables/canonical.json",
    loads: ["50x1"],
    idleConnections: null,
  },
  targets: [
    {
      label: "node",
      kind: "node",
      runtime: "node",
      baseline: "node-minimal",
      serverArgs: ["--workers", "2"],
      command: null,
    },
  ],
  runs: [],
  loads: [
    {
      target: "node",
      load: "50x1",
      baseline: null,
      summary: {
        rounds: 5,
        answersPerSecond: 1000,
        p50Ms: 1,
        p99Ms: 2,
        p999Ms: 3,
        errors: 0,
        wrong: 0,
        serverCpuMsPer1000: 20,
        serverRssBytes: 1048576,
        generatorCpuUsPerAnswer: 15,
      },
      cpuRatio: null,
      cpuRatioRange: null,
      throughputRatio: null,
    },
  ],
  idleRuns: [],
  idle: [],
  goals: ["met    node 50x1: server CPU per answer 1.00x of node-minimal (goal <= 1.15x)"],
};

describe("renderText", () => {
  it("prints the command, the machine, the settings, the server flags, the table and the verdicts", () => {
    const lines = renderText(base).split("\n");
    expect(lines[0]).toBe("command: npm run bench -- --target node");
    expect(lines[1]).toBe("machine: 2 CPUs (AMD EPYC), 1024 MiB, Linux 6.1, node v20.20.2, bun 1.4.5");
    expect(lines[2]).toBe(
      "settings: 5 rounds, 3 s measured after 1 s warm-up, 1 generator thread(s), table fixtures/tables/canonical.json",
    );
    expect(lines[3]).toBe("server args for node: --workers 2");
    expect(lines.some((l) => l.startsWith("| node ") && l.includes("| 50x1 "))).toBe(true);
    expect(lines.at(-2)).toBe(
      "  met    node 50x1: server CPU per answer 1.00x of node-minimal (goal <= 1.15x)",
    );
  });

  it("describes idle mode instead of load settings", () => {
    const text = renderText({ ...base, settings: { ...base.settings, idleConnections: 10000 }, loads: [] });
    expect(text).toContain("settings: idle mode, 10000 connections, 5 rounds (a fresh server each)");
    expect(text).not.toContain("warm-up");
  });
});
