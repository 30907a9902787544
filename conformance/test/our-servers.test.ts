/**
 * The default run of the suite (what `npm run conformance -- --target node|bun` does) against our
 * two servers, launched directly: every case must pass, as the spec is the contract they ship by.
 */
import { describe, expect, it } from "vitest";
import { runConformance } from "../src/runner.js";

describe.each(["node", "bun"])("the default conformance run against --target %s", (target) => {
  it("passes every case, with process evidence and the declared limits in the report", async () => {
    const report = await runConformance({ target, seed: 20261125 });
    const notPassing = report.cases
      .filter((c) => c.verdict !== "pass")
      .map((c) => `${c.id}: ${c.verdict} ${c.violatedRule ?? ""} ${c.message ?? ""}`);
    expect(notPassing).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(report.launched).toBe(true);
    expect(report.cases.length).toBeGreaterThanOrEqual(21);
    expect(report.cases.find((c) => c.id === "flow.slow-reader")?.evidence?.stalled).toBe("true");
  }, 240_000);
});
