/** The soak harness's command line (the project's parseFlags). Every mistake is a UsageError: one line, exit 2. */
import { parseDuration } from "@bridgekeeper/conformance";
import { type FlagOption, parseFlags, stringFlag, UsageError } from "@bridgekeeper/spec";
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
  if (items.length === 0) throw new UsageError(`${flag} needs at least one of ${allowed.join(", ")}`);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new UsageError(`${flag}: unknown "${item}" (expected ${allowed.join(", ")})`);
    }
  }
  return [...new Set(items)] as T[];
}

const SOAK_FLAGS = {
  target: { type: "string" },
  scenarios: { type: "string" },
  duration: { type: "string" },
  short: { type: "boolean" },
  "json-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagOption>;

export function parseSoakFlags(argv: readonly string[]): SoakOptions {
  const values = parseFlags(argv, SOAK_FLAGS);
  const target = stringFlag(values, "target");
  const scenarios = stringFlag(values, "scenarios");
  const duration = stringFlag(values, "duration");
  const fuzzMs = duration === undefined ? undefined : parseDuration("--duration", duration);
  return {
    targets: target === undefined ? SERVER_KINDS : listOf("--target", target, SERVER_KINDS),
    scenarios: scenarios === undefined ? SCENARIOS : listOf("--scenarios", scenarios, SCENARIOS),
    fuzzMs,
    short: values.short === true,
    jsonFile: stringFlag(values, "json-file"),
    help: values.help === true,
  };
}
