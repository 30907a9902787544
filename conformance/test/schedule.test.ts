/**
 * The run's schedule against broken servers: a case in turn that only waits (a reply missing, or
 * its property shrinking) lets the next case start beside it, and the report says so; a FAIR-1
 * failure is not shrunk.
 */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { framesByReads } from "../src/diagnosis.js";
import { runConformance } from "../src/runner.js";

const servers = resolve(import.meta.dirname, "servers");
const firstQuestionPerRead = `exec:exec node ${servers}/node/first_question_per_read.mjs --port {port}`;
const oneAtATime = `exec:exec python3 ${servers}/python/one_at_a_time.py --port {port}`;
const bun = resolve(import.meta.dirname, "..", "..", "node_modules", ".bin", "bun");
const oneReadQuestion = `exec:exec ${bun} ${servers}/bun/one_read_question.mjs --port {port}`;

describe("the lane of cases in turn", () => {
  it("lets the next case start once a case only waits for a missing reply", async () => {
    const only = ["reply.pipelined", "reply.unknown", "limit.garbage"];
    const report = await runConformance({
      target: firstQuestionPerRead,
      only,
      seed: 20261125,
      timeoutMs: 3000,
    });
    expect(report.cases.map((c) => [c.id, c.verdict, c.violatedRule])).toEqual(
      only.map((id) => [id, "fail", "ANSWER-2"]),
    );
    const [first, second, third] = report.cases;
    expect(first?.letGo).toMatch(/^no byte for 1 s of a reply owed, \d+\.\d s into the case$/);
    expect(second?.letGo).toMatch(/^no byte for 1 s of a reply owed/);
    // Each started while the one before still waited: the three ran side by side.
    expect(first?.overlapped).toEqual(expect.arrayContaining(["reply.unknown", "limit.garbage"]));
    expect(third?.overlapped).toEqual(expect.arrayContaining(["reply.pipelined", "reply.unknown"]));
    expect(third?.startMs ?? 0).toBeLessThan((first?.startMs ?? 0) + (first?.durationMs ?? 0));
  }, 120_000);

  it("keeps a case that needs the server to itself alone, after the cases beside the lane ended", async () => {
    const only = ["reply.pipelined", "resource.descriptors"];
    const report = await runConformance({
      target: firstQuestionPerRead,
      only,
      seed: 20261125,
      timeoutMs: 3000,
    });
    const pipelined = report.cases.find((c) => c.id === "reply.pipelined");
    const descriptors = report.cases.find((c) => c.id === "resource.descriptors");
    expect(pipelined?.letGo).toBeDefined();
    expect(descriptors?.overlapped).toBeUndefined();
    expect(descriptors?.startMs).toBeGreaterThanOrEqual(
      (pipelined?.startMs ?? 0) + (pipelined?.durationMs ?? 0),
    );
  }, 120_000);

  it("does not shrink a FAIR-1 failure, and says why", async () => {
    const report = await runConformance({
      target: oneAtATime,
      only: ["conn.interleaved"],
      runs: 20,
      seed: 20261125,
      timeoutMs: 3000,
    });
    const [interleaved] = report.cases;
    expect(interleaved?.verdict).toBe("fail");
    expect(interleaved?.violatedRule).toBe("FAIR-1");
    expect(interleaved?.shrink).toBeUndefined();
    expect(interleaved?.message).toContain("(not shrunk: a FAIR-1 failure depends on the timing");
  }, 120_000);

  it("shrinks a fault of framing by reads once, whichever variant each case names", async () => {
    const only = ["frame.fragmented", "conn.interleaved", "close.half-close"];
    const report = await runConformance({ target: oneReadQuestion, only, seed: 20261125, timeoutMs: 3000 });
    const [fragmented, ...others] = report.cases;
    expect(fragmented?.diagnosis && framesByReads(fragmented.diagnosis.id)).toBe(true);
    expect(fragmented?.shrink).toBeDefined();
    const sameFault = others.filter((c) => c.diagnosis && framesByReads(c.diagnosis.id));
    expect(sameFault.length).toBeGreaterThan(0);
    for (const c of sameFault) {
      expect(c.shrink).toBeUndefined();
      expect(c.message).toContain("(not shrunk: the same fault was shrunk in frame.fragmented)");
    }
  }, 120_000);
});
