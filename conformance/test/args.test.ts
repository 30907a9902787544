import { UsageError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { parseArgs, parseDuration } from "../src/args.js";

function usage(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("E_USAGE");
    expect((error as Error).message).not.toContain("\n");
    return (error as Error).message;
  }
  throw new Error(`parseArgs accepted ${argv.join(" ")}`);
}

describe("command-line parsing", () => {
  it("reads every option, in both --flag value and --flag=value forms", () => {
    const args = parseArgs([
      "--target",
      "bun",
      "--table=t.json",
      "--max-question",
      "2048",
      "--idle-timeout",
      "15",
      "--max-connections=300",
      "--seed",
      "-7",
      "--runs",
      "50",
      "--only",
      "frame.,FLOW-2",
      "--only",
      "9.1",
      "--skip",
      "conn.limit",
      "--strict",
      "--reporter",
      "junit",
      "--out",
      "r.xml",
      "--timeout",
      "8000",
      "--expect",
      "known.txt",
      "--fuzz",
      "5m",
      "--failures-dir",
      "f",
      "--start-timeout",
      "9000",
    ]);
    expect(args).toMatchObject({
      target: "bun",
      table: "t.json",
      maxQuestion: 2048,
      idleTimeoutSec: 15,
      maxConnections: 300,
      seed: -7,
      runs: 50,
      only: ["frame.", "FLOW-2", "9.1"],
      skip: ["conn.limit"],
      strict: true,
      reporters: [{ name: "junit", file: "r.xml" }],
      out: "r.xml",
      timeoutMs: 8000,
      expect: "known.txt",
      fuzzMs: 300_000,
      failuresDir: "f",
      startTimeoutMs: 9000,
    });
  });

  it("needs no target for --list, --help and --version", () => {
    expect(parseArgs(["--list"]).list).toBe(true);
    expect(parseArgs(["--help"]).help).toBe(true);
    expect(parseArgs(["-V"]).version).toBe(true);
  });

  it("rejects bad flags and values with E_USAGE and one line", () => {
    expect(usage([])).toContain("--target is required");
    expect(usage(["--target", "bun", "--frobnicate"])).toContain("unknown flag --frobnicate");
    expect(usage(["--target", "bun", "stray"])).toContain("unexpected argument");
    expect(usage(["--target"])).toContain("--target needs a value");
    expect(usage(["--target", "bun", "--runs", "0"])).toContain("--runs");
    expect(usage(["--target", "bun", "--runs", "three"])).toContain("integer");
    expect(usage(["--target", "bun", "--seed", "1.5"])).toContain("--seed");
    expect(usage(["--target", "bun", "--reporter", "xml"])).toContain("pretty, json, junit or html");
    expect(usage(["--target", "bun", "--timeout", "5"])).toContain(">= 100");
    expect(usage(["--target", "bun", "--fuzz", "soon"])).toContain("duration");
    expect(usage(["--target", "bun", "--strict=yes"])).toContain("takes no value");
    expect(usage(["--target", "bun", "--replay", "a@1", "--fuzz", "1m"])).toContain("cannot be combined");
    expect(usage(["--target", "bun", "--replay", "a@1", "--only", "x"])).toContain("one case");
    expect(usage(["--target", "--strict"])).toContain("needs a value");
  });

  it("parses durations with units", () => {
    expect(parseDuration("--fuzz", "90")).toBe(90_000);
    expect(parseDuration("--fuzz", "90s")).toBe(90_000);
    expect(parseDuration("--fuzz", "2m")).toBe(120_000);
    expect(parseDuration("--fuzz", "1h")).toBe(3_600_000);
    expect(parseDuration("--fuzz", "250ms")).toBe(250);
    expect(() => parseDuration("--fuzz", "0")).toThrow(UsageError);
  });
});
