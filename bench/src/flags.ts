/** The command line of the benchmark tool: parsing and validation, one-line errors. */
import { type FlagOption, listFlag, parseFlags, stringFlag, UsageError } from "@bridgekeeper/spec";

/** One load: this many connections, each keeping `pipeline` questions outstanding (1 = lock-step). */
export interface Load {
  readonly connections: number;
  readonly pipeline: number;
}

export interface BenchOptions {
  /** Target texts as given (node, bun, node-minimal, bun-minimal, HOST:PORT, tcp://..., exec:...). */
  readonly targets: readonly string[];
  readonly loads: readonly Load[];
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  /** Question table file; null means the canonical table. */
  readonly tablePath: string | null;
  /** Idle mode: open this many connections and report memory per connection (no load runs). */
  readonly idleConnections: number | null;
  readonly json: boolean;
  /** Also write the JSON results to this file (the text tables still go to stdout). */
  readonly jsonFile: string | null;
  /** Load generator worker threads. */
  readonly clientWorkers: number;
  /** Extra flags for launched `node` and `bun` targets (not for baselines or exec/address targets). */
  readonly serverArgs: readonly string[];
  /** Add node-minimal / bun-minimal for each runtime target present. */
  readonly baselines: boolean;
  readonly startTimeoutSeconds: number;
  readonly help: boolean;
}

export const DEFAULT_LOADS: readonly Load[] = [
  { connections: 50, pipeline: 1 },
  { connections: 50, pipeline: 16 },
  { connections: 1000, pipeline: 1 },
];

/** File descriptors of the bench process cap connections (ulimit -n is 20000 on our machines). */
export const MAX_CONNECTIONS = 19_000;
export const MAX_PIPELINE = 4096;

export const USAGE = `usage: npm run bench -- --target T1,T2,... [options]

targets: node | bun | node-minimal | bun-minimal | HOST:PORT | tcp://HOST:PORT | exec:COMMAND
  (exec commands get a free port in {port}; a value starting with exec: is one target, whole;
  NAME=TARGET names a target in the tables, e.g. node-prof=exec:node --cpu-prof server.js --port {port};
  "node FLAGS" / "bun FLAGS" is our server with flags of its own, e.g. "node-w2=node --workers 2")
  node-minimal / bun-minimal are added for each runtime target present unless --no-baselines.

options:
  --connections N,...   connection counts            (with --pipeline: every combination)
  --pipeline D,...      questions outstanding per connection, 1 = lock-step
  --loads CxD,...       explicit loads, e.g. 50x1,50x16,1000x1 (the default)
  --duration S          measured seconds per run     (default 5)
  --warmup S            unmeasured seconds before each run (default 1)
  --rounds R            interleaved rounds; figures are medians of rounds (default 3)
  --table FILE          question table (default fixtures/tables/canonical.json)
  --idle N              idle mode: N connections, one question each; server memory per connection
  --workers-client K    load generator worker threads (default 1)
  --server-args "..."   extra flags for every launched node and bun target, e.g. "--workers 2"
  --no-baselines        do not add node-minimal / bun-minimal
  --start-timeout S     seconds a launched target may take to listen (default 30)
  --json                print the results as JSON instead of tables
  --json-file FILE      also write the JSON results to FILE
  --help                this text`;

function fail(message: string): never {
  throw new UsageError(message);
}

function integer(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text)) fail(`${flag}: ${JSON.stringify(text)} is not a whole number`);
  const value = Number(text);
  if (value < min || value > max) fail(`${flag}: ${value} is out of range ${min}..${max}`);
  return value;
}

function seconds(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+(\.\d+)?$/.test(text)) fail(`${flag}: ${JSON.stringify(text)} is not a number of seconds`);
  const value = Number(text);
  if (value < min || value > max) fail(`${flag}: ${value} is out of range ${min}..${max}`);
  return value;
}

function list(flag: string, text: string): string[] {
  const items = text.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) fail(`${flag}: empty item in ${JSON.stringify(text)}`);
  return items;
}

function parseLoad(text: string): Load {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match) fail(`--loads: ${JSON.stringify(text)} is not CONNECTIONSxPIPELINE, e.g. 50x16`);
  return {
    connections: integer("--loads", match[1] as string, 1, MAX_CONNECTIONS),
    pipeline: integer("--loads", match[2] as string, 1, MAX_PIPELINE),
  };
}

/** A target's optional name for tables: `NAME=TARGET`, e.g. `node-prof=exec:node --cpu-prof ...`. */
export const TARGET_LABEL = /^([A-Za-z][\w.+-]*)=(.+)$/s;

/** Splits --target values: exec:... (or NAME=exec:...) is whole, anything else is a comma-separated list. */
export function splitTargets(text: string): string[] {
  const trimmed = text.trim();
  const unlabelled = TARGET_LABEL.exec(trimmed)?.[2] ?? trimmed;
  if (unlabelled.startsWith("exec:")) return [trimmed];
  return list("--target", trimmed);
}

const BENCH_FLAGS = {
  target: { type: "string", multiple: true },
  connections: { type: "string" },
  pipeline: { type: "string" },
  loads: { type: "string" },
  duration: { type: "string" },
  warmup: { type: "string" },
  rounds: { type: "string" },
  table: { type: "string" },
  idle: { type: "string" },
  "workers-client": { type: "string" },
  "server-args": { type: "string", dashValue: true },
  "start-timeout": { type: "string" },
  "json-file": { type: "string" },
  json: { type: "boolean" },
  "no-baselines": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagOption>;

/** Parses argv (without node and the script). Throws UsageError with a one-line message. */
export function parseBenchFlags(argv: readonly string[]): BenchOptions {
  const values = parseFlags(argv, BENCH_FLAGS);
  const one = (flag: string): string | undefined => stringFlag(values, flag.slice(2));
  const help = values.help === true;

  const targets = listFlag(values, "target").flatMap(splitTargets);
  if (targets.length === 0 && !help) fail("--target is required, e.g. --target node,bun");
  const seen = new Set<string>();
  for (const target of targets) {
    if (seen.has(target)) fail(`--target ${target} is listed twice`);
    seen.add(target);
  }

  const loadsText = one("--loads");
  const connectionsText = one("--connections");
  const pipelineText = one("--pipeline");
  let loads: Load[];
  if (loadsText !== undefined) {
    if (connectionsText !== undefined || pipelineText !== undefined) {
      fail("--loads cannot be combined with --connections or --pipeline");
    }
    loads = list("--loads", loadsText).map(parseLoad);
  } else if (connectionsText !== undefined || pipelineText !== undefined) {
    const counts = list("--connections", connectionsText ?? "50").map((t) =>
      integer("--connections", t, 1, MAX_CONNECTIONS),
    );
    const depths = list("--pipeline", pipelineText ?? "1").map((t) =>
      integer("--pipeline", t, 1, MAX_PIPELINE),
    );
    loads = counts.flatMap((connections) => depths.map((pipeline) => ({ connections, pipeline })));
  } else {
    loads = [...DEFAULT_LOADS];
  }

  const idleText = one("--idle");
  const serverArgsText = one("--server-args");
  const table = one("--table");
  if (table !== undefined && table.trim() === "") fail("--table needs a file name");
  if (one("--json-file")?.trim() === "") fail("--json-file needs a file name");
  return {
    targets,
    loads,
    durationSeconds: seconds("--duration", one("--duration") ?? "5", 0.1, 3600),
    warmupSeconds: seconds("--warmup", one("--warmup") ?? "1", 0, 600),
    rounds: integer("--rounds", one("--rounds") ?? "3", 1, 100),
    tablePath: table ?? null,
    idleConnections: idleText === undefined ? null : integer("--idle", idleText, 1, MAX_CONNECTIONS),
    json: values.json === true,
    jsonFile: one("--json-file") ?? null,
    clientWorkers: integer("--workers-client", one("--workers-client") ?? "1", 1, 64),
    serverArgs: serverArgsText === undefined ? [] : serverArgsText.split(/\s+/).filter((a) => a !== ""),
    baselines: values["no-baselines"] !== true,
    startTimeoutSeconds: seconds("--start-timeout", one("--start-timeout") ?? "30", 1, 600),
    help,
  };
}

export function loadLabel(load: Load): string {
  return `${load.connections}x${load.pipeline}`;
}
