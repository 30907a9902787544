/** The soak harness's command line (node:util parseArgs). Every mistake is a SoakUsageError: one line, exit 2. */
import { parseArgs } from "node:util";
import { parseDuration } from "@bridgekeeper/conformance";
import { SoakUsageError } from "./errors.js";
import { SERVER_KINDS, type ServerKind } from "./servers.js";

export const SCENARIOS = ["fuzz", "flood", "slowloris", "non-readers", "reset-storm", "descriptors"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface SoakOptions {
  readonly targets: readonly ServerKind[];
  readonly scenarios: readonly ScenarioName[];
  /** The fuzz duration per server; undefined: the mode's default (10 min, or seconds with --short). */
  readonly fuzzMs: number | undefined;
  readonly short: boolean;
  readonly jsonFile: string | undefined;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run soak -- [options]

Reliability scenarios against our servers, on 127.0.0.1 only, each bounded in time; prints one
Markdown table per server (each figure beside its bound) as RELIABILITY.md shows them.

Options:
  --target LIST      servers, from ${SERVER_KINDS.join(", ")} (default node,bun)
  --scenarios LIST   from ${SCENARIOS.join(", ")} (default all)
  --duration D       fuzz duration per server, e.g. 90s, 10m (default 10m; 3s with --short)
  --short            the short form: seconds per scenario (checks the harness itself)
  --json-file FILE   also write every figure and raw number as JSON
  --help             this text

Exit status: 0 every figure within its bound, 1 a figure out of bounds or a scenario that failed, 2 bad flags.`;

function listOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0) throw new SoakUsageError(`${flag} needs at least one of ${allowed.join(", ")}`);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new SoakUsageError(`${flag}: unknown "${item}" (expected ${allowed.join(", ")})`);
    }
  }
  return [...new Set(items)] as T[];
}

export function parseSoakFlags(argv: readonly string[]): SoakOptions {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new SoakUsageError(error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error));
  }
  const v = parsed.values;
  let fuzzMs: number | undefined;
  if (v.duration !== undefined) {
    try {
      fuzzMs = parseDuration("--duration", v.duration);
    } catch (error) {
      throw new SoakUsageError(error instanceof Error ? error.message : String(error));
    }
  }
  return {
    targets: v.target === undefined ? SERVER_KINDS : listOf("--target", v.target, SERVER_KINDS),
    scenarios: v.scenarios === undefined ? SCENARIOS : listOf("--scenarios", v.scenarios, SCENARIOS),
    fuzzMs,
    short: v.short === true,
    jsonFile: v["json-file"],
    help: v.help === true,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      target: { type: "string" },
      scenarios: { type: "string" },
      duration: { type: "string" },
      short: { type: "boolean" },
      "json-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
