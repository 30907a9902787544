import { describe, expect, it } from "vitest";
import { encodeLatencies, latencyPercentiles, mergeLatencies, newLatencyHistogram } from "../src/latency.js";
import { cpuModel } from "../src/machine.js";

describe("latency histograms", () => {
  it("merges the encoded histograms of several workers into one distribution", () => {
    const fast = newLatencyHistogram();
    const slow = newLatencyHistogram();
    for (let i = 0; i < 990; i++) fast.recordValue(1000); // 1 ms
    for (let i = 0; i < 10; i++) slow.recordValue(50_000); // 50 ms
    const merged = mergeLatencies([encodeLatencies(fast), encodeLatencies(slow)]);
    const p = latencyPercentiles(merged);
    expect(p.count).toBe(1000);
    expect(p.p50Ms).toBeCloseTo(1, 2);
    expect(p.p99Ms).toBeCloseTo(1, 2);
    expect(p.p999Ms).toBeCloseTo(50, 1);
  });

  it("reports NaN percentiles for an empty window", () => {
    const p = latencyPercentiles(mergeLatencies([]));
    expect(p.count).toBe(0);
    expect(p.p50Ms).toBeNaN();
  });
});

describe("cpuModel", () => {
  it("reads the first model name of /proc/cpuinfo", () => {
    expect(
      cpuModel("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: other\n"),
    ).toBe("AMD EPYC 7B13");
    expect(cpuModel("")).toBe("unknown");
  });
});
