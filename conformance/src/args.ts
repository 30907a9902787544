/** Command-line parsing for launcelot-conformance. Every mistake is a UsageError (exit 2). */

import {
  type FlagOption,
  type FlagValues,
  listFlag,
  parseFlags,
  stringFlag,
  UsageError,
} from "@bridgekeeper/spec";
import { parseReporterSpecs, type ReporterSpec } from "./reporters.js";

export interface CliArgs {
  target?: string;
  table?: string;
  maxQuestion?: number;
  idleTimeoutSec?: number;
  maxConnections?: number;
  shutdownTimeoutSec?: number;
  seed?: number;
  runs?: number;
  only: string[];
  skip: string[];
  strict: boolean;
  list: boolean;
  /** The reports to write (from every --reporter and --out). */
  reporters: ReporterSpec[];
  out?: string;
  timeoutMs?: number;
  replay?: string;
  expect?: string;
  fuzzMs?: number;
  failuresDir?: string;
  startTimeoutMs?: number;
  shrinkBudgetMs?: number;
  fdLimit?: number;
  /** Where undeclared limits are probed (--limits floor|ceiling). */
  probe?: "floor" | "ceiling";
  help: boolean;
  version: boolean;
}

const CLI_FLAGS = {
  target: { type: "string" },
  table: { type: "string" },
  "max-question": { type: "string" },
  "idle-timeout": { type: "string" },
  "max-connections": { type: "string" },
  "shutdown-timeout": { type: "string" },
  seed: { type: "string" },
  runs: { type: "string" },
  only: { type: "string", multiple: true },
  skip: { type: "string", multiple: true },
  reporter: { type: "string", multiple: true },
  out: { type: "string" },
  timeout: { type: "string" },
  replay: { type: "string" },
  expect: { type: "string" },
  fuzz: { type: "string" },
  "failures-dir": { type: "string" },
  "start-timeout": { type: "string" },
  "shrink-budget": { type: "string" },
  "fd-limit": { type: "string" },
  limits: { type: "string" },
  strict: { type: "boolean" },
  list: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const satisfies Record<string, FlagOption>;

function integer(flag: string, text: string, min: number): number {
  if (!/^-?\d+$/.test(text)) throw new UsageError(`${flag} needs an integer, got ${JSON.stringify(text)}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min)
    throw new UsageError(`${flag} must be an integer >= ${min}, got ${text}`);
  return value;
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value))
    throw new UsageError(`${flag} needs a number, got ${JSON.stringify(text)}`);
  return value;
}

/** "90", "90s", "5m", "1h", "500ms" -> milliseconds. */
export function parseDuration(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match)
    throw new UsageError(`${flag} needs a duration like 90s, 5m or 1h, got ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const unit = match[2] ?? "s";
  const ms =
    unit === "ms" ? value : unit === "s" ? value * 1000 : unit === "m" ? value * 60_000 : value * 3_600_000;
  if (ms <= 0) throw new UsageError(`${flag} must be positive, got ${text}`);
  return ms;
}

function list(text: string): string[] {
  return text
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/** The options whose value is a number, read into the arguments. */
function numericOptions(values: FlagValues): Partial<CliArgs> {
  const read = <T>(flag: string, parse: (flagName: string, text: string) => T): T | undefined => {
    const text = stringFlag(values, flag);
    return text === undefined ? undefined : parse(`--${flag}`, text);
  };
  const entries: Partial<Record<keyof CliArgs, number | undefined>> = {
    maxQuestion: read("max-question", (f, t) => integer(f, t, 1)),
    idleTimeoutSec: read("idle-timeout", number),
    maxConnections: read("max-connections", (f, t) => integer(f, t, 1)),
    shutdownTimeoutSec: read("shutdown-timeout", number),
    seed: read("seed", (f, t) => integer(f, t, -0x80000000)),
    runs: read("runs", (f, t) => integer(f, t, 1)),
    timeoutMs: read("timeout", (f, t) => integer(f, t, 100)),
    fuzzMs: read("fuzz", parseDuration),
    startTimeoutMs: read("start-timeout", (f, t) => integer(f, t, 100)),
    shrinkBudgetMs: read("shrink-budget", parseDuration),
    fdLimit: read("fd-limit", (f, t) => integer(f, t, 32)),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** The options whose value is a word or a file, as given. */
function textOptions(values: FlagValues): Partial<CliArgs> {
  const names = { target: "target", table: "table", out: "out", replay: "replay", expect: "expect" } as const;
  const out: Partial<Record<string, string>> = {};
  for (const [key, flag] of Object.entries(names)) {
    const value = stringFlag(values, flag);
    if (value !== undefined) out[key] = value;
  }
  const failuresDir = stringFlag(values, "failures-dir");
  if (failuresDir !== undefined) out.failuresDir = failuresDir;
  return out;
}

function checkCombinations(args: CliArgs): void {
  if (!args.help && !args.version && !args.list && args.replay === undefined && args.target === undefined)
    throw new UsageError(
      "--target is required: node, bun, HOST:PORT, tcp://HOST:PORT or exec:COMMAND (see --help)",
    );
  if (args.replay !== undefined && args.fuzzMs !== undefined)
    throw new UsageError("--replay and --fuzz cannot be combined");
  if (args.replay !== undefined && (args.only.length > 0 || args.skip.length > 0))
    throw new UsageError("--replay runs one case; do not combine it with --only or --skip");
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const values = parseFlags(argv, CLI_FLAGS);
  const args: CliArgs = {
    only: listFlag(values, "only").flatMap(list),
    skip: listFlag(values, "skip").flatMap(list),
    strict: values.strict === true,
    list: values.list === true,
    reporters: parseReporterSpecs(listFlag(values, "reporter"), stringFlag(values, "out")),
    help: values.help === true,
    version: values.version === true,
    ...textOptions(values),
    ...numericOptions(values),
  };
  const probe = stringFlag(values, "limits");
  if (probe !== undefined) {
    if (probe !== "floor" && probe !== "ceiling")
      throw new UsageError(`--limits must be floor or ceiling, got ${JSON.stringify(probe)}`);
    args.probe = probe;
  }
  checkCombinations(args);
  return args;
}

export const HELP = `launcelot-conformance: judge a Launcelot server over TCP, by the rules of spec/launcelot.md

usage: launcelot-conformance --target TARGET [options]

targets:
  node | bun               our servers (the packages @bridgekeeper/impl-node, @bridgekeeper/impl-bun),
                           launched directly on a free port with their limits set on the command
                           line (--max-question 4096 --idle-timeout 10 --max-connections 256
                           --shutdown-timeout 10 unless given)
  HOST:PORT, tcp://HOST:PORT, [::1]:PORT
                           a server already running
  exec:COMMAND             launched through the shell; {port} and $PORT hold a free port; the suite
                           waits for the port or a "listening on HOST:PORT" line

table:
  --table FILE             the target's question table (default: the canonical table, shipped
                           with the suite)

limits (declare the target's own; an undeclared one is judged where every conforming setting
agrees, never at a default: spec section 14):
  --max-question BYTES     Q (1024..65536); undeclared: 1024-byte questions answered, 65537 bytes
                           acted on
  --idle-timeout SECONDS   I (10..600); undeclared: no idle close before the floor of 10 s, and
                           IDLE-2 not judged
  --max-connections N      C (>= 128); undeclared: 128 connections served, CONN-2 not judged
  --shutdown-timeout SECONDS
                           D (0..30); undeclared: SHUTDOWN-1 judged at the ceiling of 30 s
  --limits floor|ceiling   where undeclared limits are probed (default floor; ceiling also
                           judges IDLE-2 at 600 s, which makes the run last about 15 minutes)

options:
  --seed N                 run seed (each case derives its own); printed in the report
  --runs N                 runs per property (default: each property's own, small)
  --only LIST              case ids, id prefixes ending in ".", rule ids, sections (comma list)
  --skip LIST              same syntax; skip those
  --strict                 SHOULD violations fail instead of warning
  --list                   print the cases, their rules and the rule coverage, then exit
  --reporter R[:FILE]      pretty (default), json, junit or html; repeatable, each to its FILE
                           (at most one to stdout): --reporter pretty --reporter html:report.html
  --out FILE               write the one report there (default: stdout)
  --timeout MS             progress wait: no byte for this long is "no answer" (default 5000;
                           the suite waits at least 50 x the measured round trip; the quiet
                           floor instead once a server was seen before the cases to serve a
                           bounded number of clients at a time)
  --replay X               rerun one counterexample: CASE@SEED[:PATH] or a failure file
  --expect FILE            baseline of known failures (one case id per line, # comments)
  --fuzz DURATION          keep running the properties with fresh seeds (e.g. 10m); every
                           counterexample is saved as a failure file
  --failures-dir DIR       where failure files go (default ./conformance-failures with --fuzz)
  --start-timeout MS       how long a launched target may take to listen (default 20000)
  --shrink-budget DURATION how long each property may shrink a failure (default 15s)
  --fd-limit N             descriptors for the instance of a launched target that the ROBUST-2
                           case starts (with util-linux prlimit) and exhausts (default 128, >= 32)
  --help, --version

exit codes: 0 no failure; 1 a failure; 2 usage or setup error (bad flag, bad table, target never
starts); 3 incomplete (the target died or stopped answering and could not be brought back, the run
was interrupted, or a case could not be judged).
`;
