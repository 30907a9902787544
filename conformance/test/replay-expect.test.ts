import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { allCases } from "../src/cases/index.js";
import { ExpectFileError, ReplayError } from "../src/errors.js";
import { applyBaseline, parseExpectText, renderExpectFile } from "../src/expect.js";
import {
  FAILURE_FILE_FORMAT,
  formatReplay,
  parseReplayString,
  readReplayArgument,
  writeFailureFile,
} from "../src/replay.js";
import type { CaseResult } from "../src/report.js";
import { selectCases } from "../src/selection.js";

describe("replay strings", () => {
  it("parse CASE@SEED and CASE@SEED:PATH and print back the same", () => {
    expect(parseReplayString("frame.fragmented@42:3:0:1")).toEqual({
      caseId: "frame.fragmented",
      seed: 42,
      path: "3:0:1",
    });
    expect(parseReplayString("idle.timeouts@-5")).toEqual({ caseId: "idle.timeouts", seed: -5 });
    for (const text of ["frame.fragmented@42:3:0", "a.b@1"])
      expect(formatReplay(parseReplayString(text))).toBe(text);
  });

  it("reject malformed strings with E_REPLAY_INVALID", () => {
    for (const bad of ["frame.fragmented", "@42", "x@y", "x@1:", "x@1:a", "X@1"]) {
      expect(() => parseReplayString(bad), bad).toThrow(ReplayError);
    }
  });

  it("round-trip through a failure file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "replay-"));
    const file = await writeFailureFile(dir, {
      format: FAILURE_FILE_FORMAT,
      replay: "reply.unknown@9:1:2",
      case: "reply.unknown",
      seed: 9,
      path: "1:2",
      target: "bun",
      table: "/t.json",
      command: "npx launcelot-conformance --target bun --replay reply.unknown@9:1:2",
    });
    const read = await readReplayArgument(file);
    expect(read.spec).toEqual({ caseId: "reply.unknown", seed: 9, path: "1:2" });
    expect(read.file?.table).toBe("/t.json");
    const junk = join(dir, "junk.json");
    await writeFile(junk, "{}");
    await expect(readReplayArgument(junk)).rejects.toThrow(ReplayError);
    await expect(readReplayArgument(join(dir, "missing.json"))).rejects.toThrow(ReplayError);
  });
});

describe("expect files", () => {
  const ids = new Set(allCases.map((c) => c.id));
  const result = (id: string, verdict: CaseResult["verdict"]): CaseResult => ({
    id,
    title: id,
    section: "5",
    rules: [],
    verdict,
    durationMs: 0,
  });

  it("read one case id per line with comments", () => {
    expect(
      parseExpectText("# known\nreply.unknown  # UNKNOWN-1\n\n  flow.slow-reader\n", "k.txt", ids),
    ).toEqual(["reply.unknown", "flow.slow-reader"]);
  });

  it("reject unknown ids and malformed lines with the line number", () => {
    expect(() => parseExpectText("no.such-case\n", "k.txt", ids)).toThrow(/k.txt:1/);
    expect(() => parseExpectText("\nreply.unknown flow.slow-reader\n", "k.txt", ids)).toThrow(
      ExpectFileError,
    );
  });

  it("known failures do not fail, new ones do, fixed ones are reported", () => {
    const cases = [
      result("reply.unknown", "fail"),
      result("flow.slow-reader", "fail"),
      result("reply.lockstep", "pass"),
    ];
    const baseline = applyBaseline(cases, ["reply.unknown", "reply.lockstep"], "k.txt");
    expect(baseline.newFailures).toEqual(["flow.slow-reader"]);
    expect(baseline.nowPassing).toEqual(["reply.lockstep"]);
    expect(cases[0]?.known).toBe(true);
    expect(cases[1]?.known).toBeUndefined();
    expect(parseExpectText(renderExpectFile(cases), "gen", ids)).toEqual([
      "reply.unknown",
      "flow.slow-reader",
    ]);
  });
});

describe("case selection", () => {
  it("selects by case id, id prefix, rule id and section", () => {
    const ids = (only: string[], skip: string[] = []) => selectCases(allCases, only, skip).map((c) => c.id);
    expect(ids(["reply.lockstep"])).toEqual(["reply.lockstep"]);
    expect(ids(["frame."])).toEqual(["frame.fragmented", "frame.separators", "frame.byte-values"]);
    expect(ids(["HALF-2"])).toEqual(["close.half-close"]);
    expect(ids(["8"])).toEqual([
      "close.half-close",
      "close.half-close-held",
      "close.reset",
      "robust.out-of-descriptors",
    ]);
    expect(ids(["8.1"], ["close.half-close-held"])).toEqual(["close.half-close"]);
    expect(ids([], ["10", "11", "9.1"]).length).toBe(allCases.length - 5);
    expect(() => ids(["nonsense"])).toThrow(UsageError);
  });
});
