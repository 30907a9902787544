#!/usr/bin/env node
/**
 * `node deploy/dist/src/bench-through-proxy.js [--kinds node,bun] [--counts 1,2,4] [--loads 50x1,50x16,1000x1]
 * [--duration 3] [--warmup 1] [--rounds 3] [--json-file F]`: the bench tool's load generator
 * (bench's runLoad) against each kind of server directly (the baseline, same rounds) and against
 * clusters of 1, 2 and 4 of them behind HAProxy. Every configuration runs at once; rounds rotate
 * through them. The CPU of HAProxy and of the backends is read from /proc at the edges of each
 * measured window, so the proxy's CPU per answer stands beside the servers'.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Load, median, runLoad } from "@bridgekeeper/bench";
import { processGroupEvidence } from "@bridgekeeper/conformance";
import { BridgekeeperError, UsageError } from "@bridgekeeper/spec";
import { canonicalTablePath, loadTableFile } from "@bridgekeeper/spec/table-file";
import { type BackendSpec, ClusterBackend } from "./backends.js";
import { asUsage } from "./cli-flags.js";
import { type Cluster, startCluster } from "./cluster.js";

interface Setup {
  readonly label: string;
  readonly kind: "node" | "bun";
  readonly backends: number;
  readonly host: string;
  readonly port: number;
  readonly proxyPid: number | null;
  readonly serverPids: () => number[];
  stop(): Promise<void>;
}

interface Sample {
  readonly label: string;
  readonly load: string;
  readonly answersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly wrong: number;
  readonly proxyUsPerAnswer: number | null;
  readonly serversUsPerAnswer: number;
  readonly generatorUsPerAnswer: number;
}

function list(flag: string, text: string, item: RegExp): string[] {
  const items = text.split(",").map((s) => s.trim());
  if (items.some((s) => !item.test(s)))
    throw new UsageError(`--${flag} ${JSON.stringify(text)}: not a list of ${item.source}`);
  return items;
}

function numberIn(flag: string, text: string, low: number, high: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < low || value > high)
    throw new UsageError(`--${flag} must be ${low}..${high}`);
  return value;
}

function flags(argv: string[]) {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        kinds: { type: "string", default: "node,bun" },
        counts: { type: "string", default: "1,2,4" },
        loads: { type: "string", default: "50x1,50x16,1000x1" },
        duration: { type: "string", default: "3" },
        warmup: { type: "string", default: "1" },
        rounds: { type: "string", default: "3" },
        "json-file": { type: "string" },
      },
    }),
  );
  return {
    kinds: list("kinds", values.kinds, /^(node|bun)$/) as ("node" | "bun")[],
    counts: list("counts", values.counts, /^[1-8]$/).map(Number),
    loads: list("loads", values.loads, /^\d+x\d+$/).map((l): Load => {
      const [connections, pipeline] = l.split("x").map(Number) as [number, number];
      return { connections, pipeline };
    }),
    durationMs: numberIn("duration", values.duration, 1, 600) * 1000,
    warmupMs: numberIn("warmup", values.warmup, 0, 600) * 1000,
    rounds: numberIn("rounds", values.rounds, 1, 50),
    jsonFile: values["json-file"],
  };
}

const LIMITS = { idleTimeoutSec: 60, maxConnections: 2000, shutdownTimeoutSec: 10 };

async function directSetup(kind: "node" | "bun"): Promise<Setup> {
  const backend = new ClusterBackend(
    `${kind}-direct`,
    { kind, text: kind },
    {
      tablePath: canonicalTablePath(),
      idleTimeoutSec: LIMITS.idleTimeoutSec,
      maxConnections: LIMITS.maxConnections + 1,
      shutdownTimeoutSec: LIMITS.shutdownTimeoutSec,
    },
    20_000,
  );
  await backend.start();
  return {
    label: `${kind} direct`,
    kind,
    backends: 1,
    host: backend.host,
    port: backend.port,
    proxyPid: null,
    serverPids: () => (backend.pid === null ? [] : [backend.pid]),
    stop: () => backend.stop(),
  };
}

async function clusterSetup(kind: "node" | "bun", count: number): Promise<Setup> {
  const backends: BackendSpec[] = Array.from({ length: count }, () => ({ kind, text: kind }));
  const cluster: Cluster = await startCluster({ backends, limits: LIMITS });
  return {
    label: `${kind} x${count} via haproxy`,
    kind,
    backends: count,
    host: cluster.host,
    port: cluster.port,
    proxyPid: cluster.haproxy.pid,
    serverPids: () => cluster.backends.map((b) => b.pid).filter((p): p is number => p !== null),
    stop: () => cluster.stop(),
  };
}

async function cpuMsOf(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += (await processGroupEvidence(pid))?.cpuMs ?? 0;
  return total;
}

async function measure(
  setup: Setup,
  load: Load,
  table: { questions: Uint8Array[]; answers: Uint8Array[] },
  o: { warmupMs: number; durationMs: number },
): Promise<Sample> {
  const snaps: { proxy: number; servers: number }[] = [];
  const result = await runLoad({
    host: setup.host,
    port: setup.port,
    load,
    questions: table.questions,
    answers: table.answers,
    clientWorkers: 1,
    warmupMs: o.warmupMs,
    durationMs: o.durationMs,
    sampleServer: async () => {
      const proxy = setup.proxyPid === null ? 0 : await cpuMsOf([setup.proxyPid]);
      const servers = await cpuMsOf(setup.serverPids());
      snaps.push({ proxy, servers });
      return { cpuMs: proxy + servers, rssBytes: 0, fds: 0 };
    },
  });
  const [start, end] = snaps as [{ proxy: number; servers: number }, { proxy: number; servers: number }];
  const perAnswer = (ms: number): number => (ms * 1000) / Math.max(1, result.answers);
  return {
    label: setup.label,
    load: `${load.connections}x${load.pipeline}`,
    answersPerSecond: result.answersPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors,
    wrong: result.wrong,
    proxyUsPerAnswer: setup.proxyPid === null ? null : perAnswer(end.proxy - start.proxy),
    serversUsPerAnswer: perAnswer(end.servers - start.servers),
    generatorUsPerAnswer: result.generatorCpuUsPerAnswer,
  };
}

interface Row extends Omit<Sample, "load" | "label"> {
  readonly label: string;
  readonly load: string;
  readonly rounds: number;
}

/** Medians over rounds per setup and load; errors and wrong answers are totals. */
function rows(samples: readonly Sample[]): Row[] {
  const keys = [...new Set(samples.map((s) => `${s.label}\u0000${s.load}`))];
  return keys.map((key) => {
    const [label, load] = key.split("\u0000") as [string, string];
    const mine = samples.filter((s) => s.label === label && s.load === load);
    const m = (f: (s: Sample) => number | null): number =>
      median(mine.map(f).filter((v): v is number => v !== null));
    return {
      label,
      load,
      rounds: mine.length,
      answersPerSecond: m((s) => s.answersPerSecond),
      p50Ms: m((s) => s.p50Ms),
      p99Ms: m((s) => s.p99Ms),
      errors: mine.reduce((n, s) => n + s.errors, 0),
      wrong: mine.reduce((n, s) => n + s.wrong, 0),
      proxyUsPerAnswer: mine[0]?.proxyUsPerAnswer === null ? null : m((s) => s.proxyUsPerAnswer),
      serversUsPerAnswer: m((s) => s.serversUsPerAnswer),
      generatorUsPerAnswer: m((s) => s.generatorUsPerAnswer),
    };
  });
}

const fixed = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toFixed(digits) : "-");

function table(all: readonly Row[]): string {
  const lines = [
    "| setup | load | answers/s | x direct | p50 ms | p99 ms | errors | wrong | haproxy us/answer | servers us/answer | generator us/answer |",
    "|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const r of all) {
    const kind = r.label.split(" ")[0];
    const direct = all.find((d) => d.label === `${kind} direct` && d.load === r.load);
    lines.push(
      `| ${r.label} | ${r.load} | ${fixed(r.answersPerSecond, 0)} | ${direct ? fixed(r.answersPerSecond / direct.answersPerSecond) : "-"} | ` +
        `${fixed(r.p50Ms)} | ${fixed(r.p99Ms)} | ${r.errors} | ${r.wrong} | ${r.proxyUsPerAnswer === null ? "-" : fixed(r.proxyUsPerAnswer)} | ` +
        `${fixed(r.serversUsPerAnswer)} | ${fixed(r.generatorUsPerAnswer)} |`,
    );
  }
  return lines.join("\n");
}

/** What the CPU per answer predicts for servers on machines of their own, behind one HAProxy. */
function predictions(all: readonly Row[]): string {
  const out: string[] = [];
  for (const direct of all.filter((r) => r.label.endsWith(" direct"))) {
    const kind = direct.label.split(" ")[0] as string;
    const proxied = all.filter((r) => r.label.startsWith(`${kind} x`) && r.load === direct.load);
    const proxyUs = median(proxied.map((r) => r.proxyUsPerAnswer ?? Number.NaN));
    const perBackendCore = 1e6 / direct.serversUsPerAnswer;
    const perProxyCore = 1e6 / proxyUs;
    out.push(
      `${kind} ${direct.load}: one backend core ~${fixed(perBackendCore, 0)} answers/s (${fixed(direct.serversUsPerAnswer)} us each); ` +
        `HAProxy ${fixed(proxyUs)} us per answer, so one HAProxy core ~${fixed(perProxyCore, 0)} answers/s, ` +
        `the output of ~${fixed(perProxyCore / perBackendCore, 1)} backend cores`,
    );
  }
  return out.join("\n");
}

async function main(): Promise<void> {
  const o = flags(process.argv.slice(2));
  const loaded = await loadTableFile(canonicalTablePath());
  const questions = loaded.entries.map((e) => e.question);
  const answers = loaded.entries.map((e) => e.answer);
  const setups: Setup[] = [];
  const samples: Sample[] = [];
  try {
    for (const kind of o.kinds) {
      setups.push(await directSetup(kind));
      for (const count of o.counts) setups.push(await clusterSetup(kind, count));
    }
    for (let round = 0; round < o.rounds; round++) {
      for (const load of o.loads) {
        for (let i = 0; i < setups.length; i++) {
          const setup = setups[(i + round) % setups.length] as Setup;
          const sample = await measure(setup, load, { questions, answers }, o);
          samples.push(sample);
          process.stderr.write(
            `round ${round + 1} ${sample.load} ${sample.label}: ${fixed(sample.answersPerSecond, 0)} answers/s, haproxy ${sample.proxyUsPerAnswer === null ? "-" : fixed(sample.proxyUsPerAnswer)} us, servers ${fixed(sample.serversUsPerAnswer)} us per answer, ${sample.errors} errors, ${sample.wrong} wrong\n`,
          );
        }
      }
    }
  } finally {
    await Promise.all(setups.map((s) => s.stop()));
  }
  const all = rows(samples).sort((a, b) => a.label.localeCompare(b.label) || a.load.localeCompare(b.load));
  process.stdout.write(`${table(all)}\n\n${predictions(all)}\n`);
  if (o.jsonFile)
    writeFileSync(o.jsonFile, `${JSON.stringify({ settings: o, samples, rows: all }, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench-through-proxy: ${error instanceof BridgekeeperError ? error.message : String(error)}\n`,
  );
  process.exit(error instanceof BridgekeeperError && error.code === "E_USAGE" ? 2 : 1);
});
