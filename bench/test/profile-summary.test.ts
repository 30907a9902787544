import { describe, expect, it } from "vitest";
import { type CpuProfile, formatProfileSummary, summarizeProfile } from "../src/profile-summary.js";

const frame = (functionName: string, url = "", lineNumber = 0) => ({ functionName, url, lineNumber });

// root -> (idle); root -> onData (file:///srv/server.js:10) -> writeBuffer; root -> (garbage collector)
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)"), children: [2, 3, 5] },
    { id: 2, callFrame: frame("(idle)") },
    { id: 3, callFrame: frame("onData", "file:///srv/server.js", 9), children: [4] },
    { id: 4, callFrame: frame("writeBuffer") },
    { id: 5, callFrame: frame("(garbage collector)") },
  ],
  samples: [2, 2, 2, 2, 3, 4, 4, 4, 5, 4, 3, 2],
};

describe("summarizeProfile", () => {
  it("shares busy samples by self and inclusive time, idle aside", () => {
    const summary = summarizeProfile(profile);
    expect(summary.samples).toBe(12);
    expect(summary.idleShare).toBeCloseTo(5 / 12, 10);
    expect(summary.gcShare).toBeCloseTo(1 / 7, 10);
    expect(summary.lines.map((l) => l.name)).toEqual([
      "writeBuffer",
      "onData server.js:10",
      "(garbage collector)",
    ]);
    expect(summary.lines[0]?.selfShare).toBeCloseTo(4 / 7, 10);
    expect(summary.lines[1]?.selfShare).toBeCloseTo(2 / 7, 10);
    expect(summary.lines[1]?.totalShare).toBeCloseTo(6 / 7, 10);
  });

  it("falls back to hit counts and formats one line per function", () => {
    const text = formatProfileSummary(
      summarizeProfile({
        nodes: [
          { id: 1, callFrame: frame("hot"), hitCount: 3 },
          { id: 2, callFrame: frame("(idle)"), hitCount: 1 },
        ],
      }),
    );
    expect(text.split("\n")).toEqual([
      "4 samples, 25.0% idle; shares of busy samples (GC 0.0%):",
      " 100.0% self  100.0% total  hot",
    ]);
  });
});
