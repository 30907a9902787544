/**
 * One run of the load generator: worker threads share the connections, the main thread opens and
 * closes the measured window, samples the server's CPU and memory at its edges and its own CPU
 * (process.cpuUsage covers every thread of the bench process), then merges the workers' reports.
 */
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { LoadGeneratorError } from "./errors.js";
import type { Load } from "./flags.js";
import { latencyPercentiles, mergeLatencies } from "./latency.js";
import type { LoadCommand, LoadEvent, LoadReport, LoadWorkerConfig } from "./load-protocol.js";
import { cpuMsPer1000, type RunMetrics } from "./stats.js";

/** CPU time and resident memory of a launched server, from the operating system. */
export interface ServerSample {
  readonly cpuMs: number;
  readonly rssBytes: number;
  /** Open descriptors of the server's processes. */
  readonly fds: number;
}

export interface LoadRunOptions {
  readonly host: string;
  readonly port: number;
  readonly load: Load;
  readonly questions: readonly Uint8Array[];
  readonly answers: readonly Uint8Array[];
  readonly clientWorkers: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Samples the server; resolves null for targets the bench did not launch. */
  readonly sampleServer: () => Promise<ServerSample | null>;
  readonly connectTimeoutMs?: number;
}

export interface LoadRunResult extends RunMetrics {
  readonly connected: number;
  readonly firstError: string | null;
}

// Compiled: dist/src/load-generator.js next to load-worker.js. Under vitest (TypeScript source) the
// worker still runs from dist, which `tsc -b` builds before the tests.
const workerUrl = new URL(
  import.meta.url.endsWith(".ts") ? "../dist/src/load-worker.js" : "./load-worker.js",
  import.meta.url,
);

/** Splits `total` into `parts` near-equal positive shares. */
export function shares(total: number, parts: number): number[] {
  const count = Math.max(1, Math.min(parts, total));
  const base = Math.floor(total / count);
  return Array.from({ length: count }, (_, i) => base + (i < total % count ? 1 : 0));
}

class WorkerHandle {
  readonly worker: Worker;
  private readonly events: LoadEvent[] = [];
  private waiter: (() => void) | null = null;
  private failure: string | null = null;
  exited = false;

  constructor(config: LoadWorkerConfig) {
    this.worker = new Worker(workerUrl, { workerData: config });
    this.worker.on("message", (event: LoadEvent) => {
      this.events.push(event);
      this.wake();
    });
    this.worker.on("error", (error) => {
      this.failure = error.message.split("\n")[0] ?? "worker failed";
      this.wake();
    });
    this.worker.on("exit", () => {
      this.exited = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async next<T extends LoadEvent["type"]>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<LoadEvent, { type: T }>> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const index = this.events.findIndex((e) => e.type === type);
      if (index >= 0) return this.events.splice(index, 1)[0] as Extract<LoadEvent, { type: T }>;
      if (this.failure !== null) throw new LoadGeneratorError(`load worker failed: ${this.failure}`);
      if (this.exited) throw new LoadGeneratorError(`load worker exited before sending "${type}"`);
      const left = deadline - performance.now();
      if (left <= 0) throw new LoadGeneratorError(`load worker sent no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  post(command: LoadCommand): void {
    this.worker.postMessage(command);
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    // The timer is cancelled once the worker exits, so it does not hold the process for 5 s.
    const late = new AbortController();
    const outcome = await Promise.race([
      exited.then(() => "exited" as const),
      sleep(5000, "late" as const, { signal: late.signal }).catch(() => "exited" as const),
    ]);
    late.abort();
    if (outcome === "late") await this.worker.terminate();
  }
}

/** Runs one load against one listening server and measures it. */
export async function runLoad(options: LoadRunOptions): Promise<LoadRunResult> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const split = shares(options.load.connections, options.clientWorkers);
  let first = 0;
  const handles = split.map((connections) => {
    const config: LoadWorkerConfig = {
      host: options.host,
      port: options.port,
      connections,
      firstConnection: first,
      pipeline: options.load.pipeline,
      questions: options.questions,
      answers: options.answers,
      connectBatch: 250,
      connectTimeoutMs,
    };
    first += connections;
    return new WorkerHandle(config);
  });
  try {
    const readyTimeout = connectTimeoutMs * Math.ceil(options.load.connections / 250) + 30_000;
    const ready = await Promise.all(handles.map((h) => h.next("ready", readyTimeout)));
    const connected = ready.reduce((sum, r) => sum + r.connected, 0);
    const failed = ready.reduce((sum, r) => sum + r.failed, 0);
    const connectError = ready.find((r) => r.firstError !== null)?.firstError ?? null;
    if (connected === 0) {
      throw new LoadGeneratorError(
        `no connection to ${options.host}:${options.port} succeeded (${connectError})`,
      );
    }
    for (const h of handles) h.post({ type: "run" });
    await sleep(options.warmupMs);

    // The answer window is [measure, stop] as posted; the server's CPU is read just outside it and
    // scaled to it (samples take milliseconds: /proc is read at the midpoint of each one).
    const sampleStart = performance.now();
    const serverStart = await options.sampleServer();
    const serverStartAt = (sampleStart + performance.now()) / 2;
    for (const h of handles) h.post({ type: "measure" });
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    await sleep(options.durationMs);
    const cpu = process.cpuUsage(cpuStart);
    for (const h of handles) h.post({ type: "stop" });
    const stopped = performance.now();
    const serverEnd = await options.sampleServer();
    const serverEndAt = (stopped + performance.now()) / 2;
    for (const h of handles) h.post({ type: "close" });
    const seconds = (stopped - started) / 1000;

    const reports: LoadReport[] = (await Promise.all(handles.map((h) => h.next("report", 30_000)))).map(
      (event) => event.report,
    );
    const answers = reports.reduce((sum, r) => sum + r.answers, 0);
    const merged = mergeLatencies(reports.map((r) => r.latencies));
    const latency = latencyPercentiles(merged);
    merged.destroy();
    const serverCpuMs =
      serverStart && serverEnd
        ? ((serverEnd.cpuMs - serverStart.cpuMs) * (stopped - started)) / (serverEndAt - serverStartAt)
        : null;
    return {
      answers,
      seconds,
      answersPerSecond: answers / seconds,
      p50Ms: latency.p50Ms,
      p99Ms: latency.p99Ms,
      p999Ms: latency.p999Ms,
      errors: failed + reports.reduce((sum, r) => sum + r.errors, 0),
      wrong: reports.reduce((sum, r) => sum + r.wrong, 0),
      serverCpuMsPer1000: serverCpuMs === null ? null : cpuMsPer1000(serverCpuMs, answers),
      serverRssBytes: serverEnd?.rssBytes ?? null,
      generatorCpuUsPerAnswer: answers > 0 ? (cpu.user + cpu.system) / answers : Number.NaN,
      connected,
      firstError: connectError ?? reports.find((r) => r.firstError !== null)?.firstError ?? null,
    };
  } finally {
    for (const h of handles) if (!h.exited) h.post({ type: "close" });
    await Promise.all(handles.map((h) => h.close()));
  }
}
