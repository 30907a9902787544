import { shellQuote } from "@bridgekeeper/client-kit";
import { UsageError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { splitTargets } from "../src/flags.js";
import { baselineCommand, baselineOf, resolveTargets } from "../src/targets.js";

const plain = { baselines: true, serverArgs: [], tablePath: null };

function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

describe("resolveTargets", () => {
  it("adds each present runtime's minimal server and pairs the runtime target with it", () => {
    const targets = resolveTargets(["node", "bun", "127.0.0.1:1060"], plain);
    expect(targets.map((t) => t.label)).toEqual([
      "node",
      "bun",
      "127.0.0.1:1060",
      "node-minimal",
      "bun-minimal",
    ]);
    expect(baselineOf(at(targets, 0), targets)?.label).toBe("node-minimal");
    expect(baselineOf(at(targets, 1), targets)?.label).toBe("bun-minimal");
    expect(baselineOf(at(targets, 2), targets)).toBeUndefined();
    expect(targets[3]?.spec.kind).toBe("exec");
    expect(targets[3]?.isBaseline).toBe(true);
  });

  it("adds no baseline with --no-baselines, nor twice when one is listed", () => {
    expect(resolveTargets(["node"], { ...plain, baselines: false }).map((t) => t.label)).toEqual(["node"]);
    expect(resolveTargets(["node-minimal", "node"], plain).map((t) => t.label)).toEqual([
      "node-minimal",
      "node",
    ]);
  });

  it("gives --server-args and --table to node and bun targets only", () => {
    const targets = resolveTargets(["node", "exec:srv --port {port}"], {
      baselines: true,
      serverArgs: ["--workers", "2"],
      tablePath: "/t/table.json",
    });
    expect(targets[0]?.serverArgs).toEqual(["--table", "/t/table.json", "--workers", "2"]);
    expect(targets[1]?.serverArgs).toEqual([]);
    const baseline = targets[2];
    expect(baseline?.serverArgs).toEqual([]);
    expect(baseline?.spec.kind === "exec" ? baseline.spec.command : "").toContain("--table /t/table.json");
  });

  it("names targets with NAME=TARGET and refuses two targets of one name", () => {
    const targets = resolveTargets(["prof=exec:node --cpu-prof s.js --port {port}", "fast=bun"], plain);
    expect(targets.map((t) => t.label)).toEqual(["prof", "fast", "bun-minimal"]);
    expect(targets[1]?.runtime).toBe("bun");
    expect(() => resolveTargets(["a=node", "a=bun"], plain)).toThrow(UsageError);
  });

  it("reports a target the launcher cannot parse as a usage error", () => {
    expect(() => resolveTargets(["nodejs"], plain)).toThrow(UsageError);
  });
});

describe("splitTargets with names", () => {
  it("keeps a named exec target whole", () => {
    expect(splitTargets("p=exec:a --x=1,2 --port {port}")).toEqual(["p=exec:a --x=1,2 --port {port}"]);
    expect(splitTargets("a=node,b=bun")).toEqual(["a=node", "b=bun"]);
  });
});

describe("baselineCommand", () => {
  it("execs the runtime on the baseline file with the port placeholder left for the launcher", () => {
    const command = baselineCommand("node", "/tables/my table.json");
    expect(command.startsWith("exec ")).toBe(true);
    expect(command).toContain(
      "minimal-node.mjs --host 127.0.0.1 --port {port} --table '/tables/my table.json'",
    );
  });

  it("quotes words for the shell only when needed", () => {
    expect(shellQuote("/a/b-c.mjs")).toBe("/a/b-c.mjs");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe("runtime targets with flags of their own", () => {
  it("launches `node --workers 2` as a node target with those flags after --server-args", () => {
    const targets = resolveTargets(["node", "node-w2=node --workers 2", "bun  --idle-timeout 30"], {
      baselines: true,
      serverArgs: ["--max-connections", "20000"],
      tablePath: null,
    });
    expect(targets.map((t) => t.label)).toEqual([
      "node",
      "node-w2",
      "bun  --idle-timeout 30",
      "node-minimal",
      "bun-minimal",
    ]);
    expect(targets[1]?.spec.kind).toBe("node");
    expect(targets[1]?.serverArgs).toEqual(["--max-connections", "20000", "--workers", "2"]);
    expect(targets[2]?.runtime).toBe("bun");
    expect(targets[2]?.serverArgs).toEqual(["--max-connections", "20000", "--idle-timeout", "30"]);
  });
});
