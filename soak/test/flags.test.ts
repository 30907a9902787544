/** The soak harness's flags: defaults, lists, durations, and one-line usage errors. */

import { UsageError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { parseSoakFlags, SCENARIOS } from "../src/flags.js";

function usageError(argv: string[]): UsageError {
  try {
    parseSoakFlags(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(argv)}`);
}

describe("parseSoakFlags", () => {
  it("runs every scenario against both servers with the full sizes by default", () => {
    expect(parseSoakFlags([])).toEqual({
      targets: ["node", "bun"],
      scenarios: SCENARIOS,
      fuzzMs: undefined,
      short: false,
      jsonFile: undefined,
      help: false,
    });
  });

  it("reads lists, a duration and the short form", () => {
    const options = parseSoakFlags([
      "--target",
      "bun",
      "--scenarios=flood,fuzz,flood",
      "--duration",
      "90s",
      "--short",
    ]);
    expect(options.targets).toEqual(["bun"]);
    expect(options.scenarios).toEqual(["flood", "fuzz"]);
    expect(options.fuzzMs).toBe(90_000);
    expect(options.short).toBe(true);
  });

  it("refuses unknown flags, targets, scenarios and durations with one line and a stable code", () => {
    for (const argv of [
      ["--bogus"],
      ["--target", "python"],
      ["--scenarios", "flood,nap"],
      ["--duration", "soon"],
      ["stray"],
    ]) {
      const error = usageError(argv);
      expect(error.code).toBe("E_USAGE");
      expect(error.message).not.toContain("\n");
    }
    expect(usageError(["--target", "python"]).message).toBe(
      '--target: unknown "python" (expected node, bun)',
    );
  });
});
