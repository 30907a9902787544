import { describe, expect, it } from "vitest";
import type { IdleMetrics } from "../src/idle.js";
import {
  bytesPerConnection,
  cpuMsPer1000,
  median,
  pairedRatio,
  pairedRatios,
  type RunMetrics,
  ratioRange,
  summarizeRounds,
} from "../src/stats.js";
import { roundOrder, summarizeIdle, summarizeRuns } from "../src/summary.js";

function metrics(overrides: Partial<RunMetrics>): RunMetrics {
  return {
    answers: 1000,
    seconds: 1,
    answersPerSecond: 1000,
    p50Ms: 1,
    p99Ms: 2,
    p999Ms: 3,
    errors: 0,
    wrong: 0,
    serverCpuMsPer1000: 10,
    serverRssBytes: 50 * 1024 * 1024,
    generatorCpuUsPerAnswer: 5,
    ...overrides,
  };
}

describe("median", () => {
  it("takes the middle value of an odd count and the mean of the middle two of an even count", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it("ignores NaN and gives NaN for nothing", () => {
    expect(median([Number.NaN, 5, 1, 9])).toBe(5);
    expect(median([])).toBeNaN();
  });
});

describe("summarizeRounds", () => {
  it("takes medians of rounds, one figure at a time, and totals errors and wrong answers", () => {
    const summary = summarizeRounds([
      metrics({ answersPerSecond: 900, p99Ms: 9, errors: 1, serverCpuMsPer1000: 12 }),
      metrics({ answersPerSecond: 1100, p99Ms: 1, wrong: 2, serverCpuMsPer1000: 10 }),
      metrics({ answersPerSecond: 1000, p99Ms: 5, serverCpuMsPer1000: 30 }),
    ]);
    expect(summary.rounds).toBe(3);
    expect(summary.answersPerSecond).toBe(1000);
    expect(summary.p99Ms).toBe(5);
    expect(summary.serverCpuMsPer1000).toBe(12);
    expect(summary.errors).toBe(1);
    expect(summary.wrong).toBe(2);
  });

  it("keeps server figures null for targets it did not launch", () => {
    const summary = summarizeRounds([metrics({ serverCpuMsPer1000: null, serverRssBytes: null })]);
    expect(summary.serverCpuMsPer1000).toBeNull();
    expect(summary.serverRssBytes).toBeNull();
  });
});

describe("pairedRatio", () => {
  it("is the median of per-round ratios, not the ratio of medians", () => {
    // Round 3 is slow for both: paired, it cancels; the ratio of medians would be 11/10 = 1.1.
    expect(pairedRatio([11, 12, 40], [10, 12, 20])).toBe(1.1);
    expect(pairedRatio([10, 12, 40], [10, 12, 20])).toBe(1);
    expect(pairedRatio([12, 14, 16, 18], [10, 10, 10, 10])).toBeCloseTo(1.5, 10);
  });

  it("skips rounds with a missing or non-positive baseline and gives null when none is left", () => {
    expect(pairedRatio([10, 20, 30], [null, 0, 10])).toBe(3);
    expect(pairedRatio([null, 20], [10, null])).toBeNull();
    expect(pairedRatio([], [])).toBeNull();
  });
});

describe("ratioRange", () => {
  it("gives the lowest and highest per-round ratio", () => {
    expect(ratioRange(pairedRatios([11, 12, 40], [10, 12, 20]))).toEqual({ min: 1, max: 2 });
    expect(ratioRange([])).toBeNull();
  });
});

describe("per-answer and per-connection arithmetic", () => {
  it("turns CPU deltas into ms per 1000 answers", () => {
    expect(cpuMsPer1000(500, 25_000)).toBe(20);
    expect(cpuMsPer1000(10, 0)).toBeNull();
  });

  it("turns RSS samples into bytes per connection", () => {
    expect(bytesPerConnection(50_000_000, 90_960_000, 10_000)).toBe(4096);
    expect(bytesPerConnection(1, 2, 0)).toBeNull();
  });
});

describe("summarizeRuns", () => {
  it("pairs each runtime target with its baseline round by round", () => {
    const records = [1, 2, 3].flatMap((round) => [
      {
        round,
        target: "node",
        load: "50x1",
        metrics: metrics({ serverCpuMsPer1000: [22, 24, 60][round - 1] as number, answersPerSecond: 900 }),
      },
      {
        round,
        target: "node-minimal",
        load: "50x1",
        metrics: metrics({ serverCpuMsPer1000: [20, 20, 50][round - 1] as number, answersPerSecond: 1000 }),
      },
      { round, target: "127.0.0.1:1060", load: "50x1", metrics: metrics({ serverCpuMsPer1000: null }) },
    ]);
    const summaries = summarizeRuns(
      records,
      [
        { label: "node", baseline: "node-minimal" },
        { label: "127.0.0.1:1060", baseline: null },
        { label: "node-minimal", baseline: null },
      ],
      ["50x1", "50x16"],
    );
    expect(summaries.map((s) => `${s.target} ${s.load}`)).toEqual([
      "node 50x1",
      "127.0.0.1:1060 50x1",
      "node-minimal 50x1",
    ]);
    const node = summaries[0];
    expect(node?.baseline).toBe("node-minimal");
    expect(node?.cpuRatio).toBeCloseTo(1.2, 10); // ratios 1.1, 1.2, 1.2
    expect(node?.cpuRatioRange?.min).toBeCloseTo(1.1, 10);
    expect(node?.cpuRatioRange?.max).toBeCloseTo(1.2, 10);
    expect(node?.throughputRatio).toBeCloseTo(0.9, 10);
    expect(node?.summary.serverCpuMsPer1000).toBe(24);
    expect(summaries[1]?.cpuRatio).toBeNull();
    expect(summaries[1]?.baseline).toBeNull();
    expect(summaries[2]?.cpuRatio).toBeNull();
  });

  it("leaves the ratio out when the baseline did not run", () => {
    const [only] = summarizeRuns(
      [{ round: 1, target: "bun", load: "50x1", metrics: metrics({}) }],
      [{ label: "bun", baseline: "bun-minimal" }],
      ["50x1"],
    );
    expect(only?.baseline).toBeNull();
    expect(only?.cpuRatio).toBeNull();
  });
});

describe("summarizeIdle", () => {
  const idle = (bytes: number | null, held = 100): IdleMetrics => ({
    requested: 100,
    held,
    failed: 100 - held,
    wrong: 0,
    rssBeforeBytes: 1000,
    rssAfterBytes: bytes === null ? null : 1000 + bytes * held,
    bytesPerConnection: bytes,
    serverFdsGained: held,
    firstError: null,
  });

  it("takes the median bytes per connection and the fewest connections held", () => {
    const [bun] = summarizeIdle(
      [
        { round: 1, target: "bun", metrics: idle(3000) },
        { round: 2, target: "bun", metrics: idle(5000, 98) },
        { round: 3, target: "bun", metrics: idle(3500) },
      ],
      ["bun", "node"],
    );
    expect(bun?.bytesPerConnection).toBe(3500);
    expect(bun?.heldMin).toBe(98);
    expect(bun?.failed).toBe(2);
    expect(bun?.rounds).toBe(3);
  });
});

describe("roundOrder", () => {
  it("rotates the targets so each goes first in turn", () => {
    expect(roundOrder(["a", "b", "c"], 0)).toEqual(["a", "b", "c"]);
    expect(roundOrder(["a", "b", "c"], 1)).toEqual(["b", "c", "a"]);
    expect(roundOrder(["a", "b", "c"], 5)).toEqual(["c", "a", "b"]);
    expect(roundOrder([], 3)).toEqual([]);
  });
});
