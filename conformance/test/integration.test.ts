/** The suite against the independent correct Python server (conformance/test/servers/python). */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runConformance } from "../src/runner.js";

const correctServer = resolve(import.meta.dirname, "servers", "python", "correct.py");
const target = `exec:python3 ${correctServer} --port {port} --idle-timeout 10 --max-connections 256`;
const limits = { idleTimeoutSec: 10, maxConnections: 256 };

describe("runConformance against the independent correct server", () => {
  it("passes every case but the slow idle one, with evidence and coverage in the report", async () => {
    const report = await runConformance({ target, limits, seed: 20261125, skip: ["idle.timeouts"] });
    const notPassing = report.cases
      .filter((c) => c.verdict !== "pass")
      .map((c) => `${c.id}: ${c.verdict} ${c.message ?? ""}`);
    expect(notPassing).toEqual([]);
    expect(report.exitCode).toBe(0);
    expect(report.launched).toBe(true);
    // Q is not declared: judged at the floor (1024 answered) and the ceiling (acted on by 65537).
    expect(report.limits).toMatchObject({
      maxQuestion: 65536,
      answeredQuestion: 1024,
      questionDeclared: false,
      idleTimeoutSec: 10,
      maxConnections: 256,
    });
    expect(report.cases.find((c) => c.id === "flow.slow-reader")?.evidence?.stalled).toBe("true");
    expect(report.cases.find((c) => c.id === "resource.descriptors")?.evidence?.fdsAfter).toBeTypeOf(
      "number",
    );
    expect(report.coverage.unchecked).not.toContain("FLOW-2");
  }, 120_000);

  it("replays one case by CASE@SEED[:PATH]", async () => {
    const report = await runConformance({
      target,
      limits,
      replay: { caseId: "reply.pipelined", seed: 5, path: "0" },
    });
    expect(report.cases.map((c) => [c.id, c.verdict])).toEqual([["reply.pipelined", "pass"]]);
  }, 60_000);

  it("marks process evidence not applicable for an address target", async () => {
    const { launchTarget, parseTarget } = await import("../src/target.js");
    const server = await launchTarget(parseTarget(target));
    try {
      const report = await runConformance({
        target: `${server.host}:${server.port}`,
        limits,
        only: ["10", "reply.lockstep"],
        seed: 1,
      });
      expect(report.cases.map((c) => [c.id, c.verdict])).toEqual([
        ["reply.lockstep", "pass"],
        ["resource.descriptors", "not-applicable"],
        ["resource.idle-cpu", "not-applicable"],
        ["resource.memory-churn", "not-applicable"],
      ]);
      expect(report.exitCode).toBe(0);
    } finally {
      await server.stop();
    }
  }, 60_000);
});
