/**
 * The benchmark's schedule: launch every target, then for each round, each load, each target in a
 * rotated order, one run at a time; stop everything at the end whatever happens. Idle mode launches
 * a fresh server per target and round, so earlier load does not colour its memory.
 */

import { setTimeout as sleep } from "node:timers/promises";
import type { LaunchedTarget } from "@bridgekeeper/conformance";
import type { QuestionTable } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { BenchError } from "./errors.js";
import { type BenchOptions, loadLabel } from "./flags.js";
import { measureIdle } from "./idle.js";
import { runLoad } from "./load-generator.js";
import { describeMachine, type MachineInfo } from "./machine.js";
import { formatNumber, goalLines } from "./report.js";
import {
  type IdleRecord,
  type IdleSummary,
  type LoadSummary,
  type RunRecord,
  roundOrder,
  summarizeIdle,
  summarizeRuns,
} from "./summary.js";
import { type BenchTarget, baselineOf, launchBenchTarget, resolveTargets, sampleTarget } from "./targets.js";

export interface TargetDescription {
  readonly label: string;
  readonly kind: string;
  readonly runtime: string | null;
  readonly baseline: string | null;
  readonly serverArgs: readonly string[];
  readonly command: string | null;
}

export interface BenchResult {
  readonly command: string;
  readonly startedAt: string;
  readonly machine: MachineInfo;
  readonly settings: {
    readonly durationSeconds: number;
    readonly warmupSeconds: number;
    readonly rounds: number;
    readonly clientWorkers: number;
    readonly table: string;
    readonly loads: readonly string[];
    readonly idleConnections: number | null;
  };
  readonly targets: readonly TargetDescription[];
  readonly runs: readonly RunRecord[];
  readonly loads: readonly LoadSummary[];
  readonly idleRuns: readonly IdleRecord[];
  readonly idle: readonly IdleSummary[];
  readonly goals: readonly string[];
}

export type Progress = (line: string) => void;

/** Stops every launched target when the bench is interrupted, then exits 130. */
class LaunchedSet {
  private readonly launched = new Set<LaunchedTarget>();
  private readonly onSignal = (): void => {
    void this.stopAll().finally(() => process.exit(130));
  };

  constructor() {
    process.once("SIGINT", this.onSignal);
    process.once("SIGTERM", this.onSignal);
  }

  add(target: LaunchedTarget): LaunchedTarget {
    this.launched.add(target);
    return target;
  }

  async stop(target: LaunchedTarget): Promise<void> {
    this.launched.delete(target);
    await target.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.launched];
    this.launched.clear();
    await Promise.all(all.map((t) => t.stop()));
  }

  async close(): Promise<void> {
    await this.stopAll();
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
  }
}

function checkAlive(target: BenchTarget, launched: LaunchedTarget): void {
  const status = launched.exitStatus();
  if (status !== null) {
    const tail = launched.outputTail().split("\n").slice(-3).join(" | ");
    throw new BenchError(
      "E_BENCH_TARGET_EXITED",
      `target ${target.label} exited during the benchmark (code ${status.code}, signal ${status.signal})${tail ? `: ${tail}` : ""}`,
    );
  }
}

function describeTargets(targets: readonly BenchTarget[]): TargetDescription[] {
  return targets.map((t) => ({
    label: t.label,
    kind: t.spec.kind,
    runtime: t.runtime,
    baseline: baselineOf(t, targets)?.label ?? null,
    serverArgs: t.serverArgs,
    command: t.spec.kind === "exec" ? t.spec.command : null,
  }));
}

async function runLoads(
  options: BenchOptions,
  targets: readonly BenchTarget[],
  table: QuestionTable,
  progress: Progress,
): Promise<RunRecord[]> {
  const questions = table.entries.map((e) => e.question);
  const answers = table.entries.map((e) => e.answer);
  const set = new LaunchedSet();
  const records: RunRecord[] = [];
  try {
    const launched = new Map<BenchTarget, LaunchedTarget>();
    for (const target of targets) {
      progress(`launching ${target.label}`);
      launched.set(target, set.add(await launchBenchTarget(target, options.startTimeoutSeconds * 1000)));
    }
    const total = options.rounds * options.loads.length * targets.length;
    for (let round = 0; round < options.rounds; round++) {
      for (const load of options.loads) {
        for (const target of roundOrder(targets, round)) {
          const server = launched.get(target) as LaunchedTarget;
          checkAlive(target, server);
          const metrics = await runLoad({
            host: server.host,
            port: server.port,
            load,
            questions,
            answers,
            clientWorkers: options.clientWorkers,
            warmupMs: options.warmupSeconds * 1000,
            durationMs: options.durationSeconds * 1000,
            sampleServer: () => sampleTarget(server),
          });
          checkAlive(target, server);
          records.push({ round: round + 1, target: target.label, load: loadLabel(load), metrics });
          progress(
            `[${records.length}/${total}] round ${round + 1}/${options.rounds} ${loadLabel(load)} ${target.label}: ` +
              `${metrics.answersPerSecond.toFixed(0)} answers/s, server CPU ${formatNumber(metrics.serverCpuMsPer1000)} ms/1k, ` +
              `p99 ${formatNumber(metrics.p99Ms)} ms, ${metrics.errors} errors, ${metrics.wrong} wrong` +
              (metrics.firstError ? ` (first error: ${metrics.firstError})` : ""),
          );
          await sleep(500);
        }
      }
    }
  } finally {
    await set.close();
  }
  return records;
}

async function runIdle(
  options: BenchOptions,
  connections: number,
  targets: readonly BenchTarget[],
  table: QuestionTable,
  progress: Progress,
): Promise<IdleRecord[]> {
  const questions = table.entries.map((e) => e.question);
  const answers = table.entries.map((e) => e.answer);
  const set = new LaunchedSet();
  const records: IdleRecord[] = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const target of roundOrder(targets, round)) {
        const server = set.add(await launchBenchTarget(target, options.startTimeoutSeconds * 1000));
        try {
          const metrics = await measureIdle({
            host: server.host,
            port: server.port,
            connections,
            questions,
            answers,
            sampleServer: () => sampleTarget(server),
          });
          checkAlive(target, server);
          records.push({ round: round + 1, target: target.label, metrics });
          const per = metrics.bytesPerConnection;
          progress(
            `idle round ${round + 1}/${options.rounds} ${target.label}: ${metrics.held}/${connections} held, ` +
              `${per === null ? "-" : (per / 1024).toFixed(2)} KiB per connection` +
              (metrics.firstError ? ` (first error: ${metrics.firstError})` : ""),
          );
        } finally {
          await set.stop(server);
        }
        await sleep(1000);
      }
    }
  } finally {
    await set.close();
  }
  return records;
}

/** Runs the whole benchmark described by `options`; `command` is recorded as given. */
export async function runBench(
  options: BenchOptions,
  command: string,
  progress: Progress,
): Promise<BenchResult> {
  const table = await loadTableFile(options.tablePath ?? undefined);
  const targets = resolveTargets(options.targets, {
    baselines: options.baselines,
    serverArgs: options.serverArgs,
    tablePath: options.tablePath,
  });
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  const descriptions = describeTargets(targets);
  const info = descriptions.map((d) => ({ label: d.label, baseline: d.baseline }));
  const runtimeOf = (label: string) => {
    const target = targets.find((t) => t.label === label);
    return target && !target.isBaseline && !target.variant ? target.runtime : null;
  };
  let runs: RunRecord[] = [];
  let idleRuns: IdleRecord[] = [];
  if (options.idleConnections !== null) {
    idleRuns = await runIdle(options, options.idleConnections, targets, table, progress);
  } else {
    runs = await runLoads(options, targets, table, progress);
  }
  const loads = summarizeRuns(runs, info, options.loads.map(loadLabel));
  const idle = summarizeIdle(
    idleRuns,
    targets.map((t) => t.label),
  );
  return {
    command,
    startedAt,
    machine,
    settings: {
      durationSeconds: options.durationSeconds,
      warmupSeconds: options.warmupSeconds,
      rounds: options.rounds,
      clientWorkers: options.clientWorkers,
      table: options.tablePath ?? "fixtures/tables/canonical.json",
      loads: options.loads.map(loadLabel),
      idleConnections: options.idleConnections,
    },
    targets: descriptions,
    runs,
    loads,
    idleRuns,
    idle,
    goals: goalLines(loads, idle, runtimeOf),
  };
}
