/** Command-line parsing for launcelot-conformance. Every mistake is a UsageError (exit 2). */
import { UsageError } from "./errors.js";
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
  help: boolean;
  version: boolean;
}

const VALUE_FLAGS = new Set([
  "--target",
  "--table",
  "--max-question",
  "--idle-timeout",
  "--max-connections",
  "--shutdown-timeout",
  "--seed",
  "--runs",
  "--only",
  "--skip",
  "--reporter",
  "--out",
  "--timeout",
  "--replay",
  "--expect",
  "--fuzz",
  "--failures-dir",
  "--start-timeout",
]);
const BOOLEAN_FLAGS = new Set(["--strict", "--list", "--help", "-h", "--version", "-V"]);

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

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    only: [],
    skip: [],
    strict: false,
    list: false,
    reporters: [],
    help: false,
    version: false,
  };
  const reporterValues: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    let flag = raw;
    let value: string | undefined;
    const eq = raw.indexOf("=");
    if (raw.startsWith("--") && eq > 0) {
      flag = raw.slice(0, eq);
      value = raw.slice(eq + 1);
    }
    if (BOOLEAN_FLAGS.has(flag)) {
      if (value !== undefined) throw new UsageError(`${flag} takes no value`);
      if (flag === "--strict") args.strict = true;
      else if (flag === "--list") args.list = true;
      else if (flag === "--help" || flag === "-h") args.help = true;
      else args.version = true;
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) {
      throw new UsageError(
        raw.startsWith("-")
          ? `unknown flag ${flag} (see --help)`
          : `unexpected argument ${JSON.stringify(raw)} (see --help)`,
      );
    }
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith("--") && value.length > 2))
        throw new UsageError(`${flag} needs a value`);
      i++;
    }
    switch (flag) {
      case "--target":
        args.target = value;
        break;
      case "--table":
        args.table = value;
        break;
      case "--max-question":
        args.maxQuestion = integer(flag, value, 1);
        break;
      case "--idle-timeout":
        args.idleTimeoutSec = number(flag, value);
        break;
      case "--max-connections":
        args.maxConnections = integer(flag, value, 1);
        break;
      case "--shutdown-timeout":
        args.shutdownTimeoutSec = number(flag, value);
        break;
      case "--seed":
        args.seed = integer(flag, value, -0x80000000);
        break;
      case "--runs":
        args.runs = integer(flag, value, 1);
        break;
      case "--only":
        args.only.push(...list(value));
        break;
      case "--skip":
        args.skip.push(...list(value));
        break;
      case "--reporter":
        reporterValues.push(value);
        break;
      case "--out":
        args.out = value;
        break;
      case "--timeout":
        args.timeoutMs = integer(flag, value, 100);
        break;
      case "--replay":
        args.replay = value;
        break;
      case "--expect":
        args.expect = value;
        break;
      case "--fuzz":
        args.fuzzMs = parseDuration(flag, value);
        break;
      case "--failures-dir":
        args.failuresDir = value;
        break;
      case "--start-timeout":
        args.startTimeoutMs = integer(flag, value, 100);
        break;
    }
  }
  args.reporters = parseReporterSpecs(reporterValues, args.out);
  if (!args.help && !args.version && !args.list && args.replay === undefined && args.target === undefined)
    throw new UsageError(
      "--target is required: node, bun, HOST:PORT, tcp://HOST:PORT or exec:COMMAND (see --help)",
    );
  if (args.replay !== undefined && args.fuzzMs !== undefined)
    throw new UsageError("--replay and --fuzz cannot be combined");
  if (args.replay !== undefined && (args.only.length > 0 || args.skip.length > 0))
    throw new UsageError("--replay runs one case; do not combine it with --only or --skip");
  return args;
}

export const HELP = `launcelot-conformance: judge a Launcelot server over TCP, by the rules of spec/launcelot.md

usage: launcelot-conformance --target TARGET [options]

targets:
  node | bun               our servers, launched directly on a free port (with --idle-timeout 10
                           and --max-connections 256 unless given)
  HOST:PORT, tcp://HOST:PORT, [::1]:PORT
                           a server already running
  exec:COMMAND             launched through the shell; {port} and $PORT hold a free port; the suite
                           waits for the port or a "listening on HOST:PORT" line

options:
  --table FILE             question table (default: fixtures/tables/canonical.json)
  --max-question BYTES     the target's Q if not 4096 (1024..65536)
  --idle-timeout SECONDS   the target's I if not 60 (10..600)
  --max-connections N      the target's C if not 10000 (>= 128)
  --shutdown-timeout SECONDS
                           the target's shutdown deadline D (0..30); undeclared, SHUTDOWN-1 is
                           judged at the spec's ceiling of 30 s
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
                           the suite waits at least 50 x the measured round trip)
  --replay X               rerun one counterexample: CASE@SEED[:PATH] or a failure file
  --expect FILE            baseline of known failures (one case id per line, # comments)
  --fuzz DURATION          keep running the properties with fresh seeds (e.g. 10m); every
                           counterexample is saved as a failure file
  --failures-dir DIR       where failure files go (default ./conformance-failures with --fuzz)
  --start-timeout MS       how long a launched target may take to listen (default 20000)
  --help, --version

exit codes: 0 no failure; 1 a failure; 2 usage or setup error (bad flag, bad table, target never
starts); 3 incomplete (the target died or stopped answering and could not be brought back, the run
was interrupted, or a case could not be judged).
`;
