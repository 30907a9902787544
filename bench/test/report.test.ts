import { describe, expect, it } from "vitest";
import {
  formatIdleTable,
  formatLoadTable,
  formatNumber,
  formatRatio,
  goalLines,
  LOAD_COLUMNS,
  markdownTable,
  toJson,
} from "../src/report.js";
import type { IdleSummary, LoadSummary } from "../src/summary.js";

const nodeSummary: LoadSummary = {
  target: "node",
  load: "50x1",
  baseline: "node-minimal",
  summary: {
    rounds: 3,
    answersPerSecond: 41234.56,
    p50Ms: 1.234,
    p99Ms: 12.34,
    p999Ms: 123.4,
    errors: 0,
    wrong: 1,
    serverCpuMsPer1000: 21.5,
    serverRssBytes: 64 * 1024 * 1024,
    generatorCpuUsPerAnswer: 20.25,
  },
  cpuRatio: 1.08,
  cpuRatioRange: { min: 1.01, max: 1.12 },
  throughputRatio: 0.9,
};

const addressSummary: LoadSummary = {
  ...nodeSummary,
  target: "127.0.0.1:1060",
  baseline: null,
  summary: { ...nodeSummary.summary, serverCpuMsPer1000: null, serverRssBytes: null, p999Ms: Number.NaN },
  cpuRatio: null,
  cpuRatioRange: null,
  throughputRatio: null,
};

const idle = (target: string, bytes: number | null): IdleSummary => ({
  target,
  rounds: 3,
  requested: 10000,
  heldMin: 10000,
  failed: 0,
  wrong: 0,
  rssBeforeBytes: 40 * 1024 * 1024,
  rssAfterBytes: 80 * 1024 * 1024,
  bytesPerConnection: bytes,
  serverFdsGained: 10000,
});

describe("number formatting", () => {
  it("shows three significant figures and a dash for missing values", () => {
    expect(formatNumber(123456.7)).toBe("123457");
    expect(formatNumber(12.345)).toBe("12.3");
    expect(formatNumber(1.2345)).toBe("1.23");
    expect(formatNumber(0.01234)).toBe("0.012");
    expect(formatNumber(null)).toBe("-");
    expect(formatNumber(Number.NaN)).toBe("-");
    expect(formatRatio(1.149)).toBe("1.15x");
    expect(formatRatio(null)).toBe("-");
  });
});

describe("markdownTable", () => {
  it("pads every column to its widest cell and aligns numbers right", () => {
    const text = markdownTable(
      ["name", "n"],
      [
        ["a", "1"],
        ["longer", "1000"],
      ],
      [false, true],
    );
    expect(text.split("\n")).toEqual([
      "| name   |    n |",
      "|:-------|-----:|",
      "| a      |    1 |",
      "| longer | 1000 |",
    ]);
  });
});

describe("formatLoadTable", () => {
  it("prints one row per target and load with ratios, and dashes where a figure cannot exist", () => {
    const lines = formatLoadTable([nodeSummary, addressSummary]).split("\n");
    expect(lines).toHaveLength(4);
    const cells = (line: string) =>
      line
        .split("|")
        .slice(1, -1)
        .map((c) => c.trim());
    expect(cells(lines[0] as string)).toEqual([...LOAD_COLUMNS]);
    expect(cells(lines[2] as string)).toEqual([
      "node",
      "50x1",
      "41235",
      "0.90x",
      "1.23",
      "12.3",
      "123",
      "0",
      "1",
      "21.5",
      "1.08x",
      "64.0",
      "20.3",
    ]);
    expect(cells(lines[3] as string)).toEqual([
      "127.0.0.1:1060",
      "50x1",
      "41235",
      "-",
      "1.23",
      "12.3",
      "-",
      "0",
      "1",
      "-",
      "-",
      "-",
      "20.3",
    ]);
  });
});

describe("formatIdleTable", () => {
  it("shows bytes and KiB per connection", () => {
    const row = formatIdleTable([idle("bun", 3584)]).split("\n")[2] as string;
    expect(row.split("|").map((c) => c.trim())).toEqual([
      "",
      "bun",
      "10000",
      "10000",
      "0",
      "0",
      "40.0",
      "80.0",
      "3584",
      "3.50",
      "10000",
      "",
    ]);
  });
});

describe("goalLines", () => {
  it("checks CPU ratios against 1.15x and idle memory against 8 KiB (node) and 4 KiB (bun)", () => {
    const missed: LoadSummary = { ...nodeSummary, load: "50x16", cpuRatio: 1.2, cpuRatioRange: null };
    const lines = goalLines(
      [nodeSummary, missed, addressSummary],
      [idle("node", 7000), idle("bun", 4096), idle("node-minimal", 100)],
      (label) => (label === "node" ? "node" : label === "bun" ? "bun" : null),
    );
    expect(lines).toEqual([
      "met    node 50x1: server CPU per answer 1.08x of node-minimal, rounds 1.01x..1.12x (goal <= 1.15x)",
      "MISSED node 50x16: server CPU per answer 1.20x of node-minimal (goal <= 1.15x)",
      "met    node idle: 6.84 KiB per connection (goal < 8 KiB)",
      "MISSED bun idle: 4.00 KiB per connection (goal < 4 KiB)",
    ]);
  });
});

describe("goalLines for targets outside the goals", () => {
  it("judges nothing the runtime lookup does not name (baselines, variants such as node --workers 2)", () => {
    expect(goalLines([nodeSummary], [idle("node", 9000)], () => null)).toEqual([]);
  });
});

describe("toJson", () => {
  it("writes NaN and Infinity as null so the output is valid JSON", () => {
    const text = toJson({ a: Number.NaN, b: [1, Number.POSITIVE_INFINITY], c: "x" });
    expect(JSON.parse(text)).toEqual({ a: null, b: [1, null], c: "x" });
  });
});
