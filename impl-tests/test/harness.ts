/**
 * Launches either server as a child process, so one set of behaviour tests drives both: the
 * test-only control script (stats and close over standard input) or the real entry point (flags,
 * exit codes, signals). The Node server runs compiled under `node`; the Bun server under the real Bun
 * runtime (`node_modules/.bin/bun`). Every process started here is tracked; `stopAll()` (call it in
 * afterAll) kills whatever is still running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ServerStats } from "@bridgekeeper/server-kit";
import { packageDir } from "@bridgekeeper/spec/package-dir";
import { WakeUp } from "./wake-up.js";

/** The repository root: the folder above this test package. */
export const repoRoot = dirname(packageDir(import.meta.url));
export const fixturesDir = join(repoRoot, "fixtures");
export const tablesDir = join(fixturesDir, "tables");
export const bunPath = join(repoRoot, "node_modules", ".bin", "bun");

export type ServerKind = "node" | "bun";
export const SERVER_KINDS: readonly ServerKind[] = ["node", "bun"];

/** Which program to run: the control script (startServer in-process) or the real entry point. */
export type Entry = "control" | "main";

export function commandFor(kind: ServerKind, entry: Entry): { file: string; args: string[] } {
  if (kind === "node") {
    const script =
      entry === "control"
        ? join(repoRoot, "impl-node", "dist", "test", "control.js")
        : join(repoRoot, "impl-node", "dist", "src", "main.js");
    return { file: process.execPath, args: [script] };
  }
  const script =
    entry === "control"
      ? join(repoRoot, "impl-bun", "test", "control.ts")
      : join(repoRoot, "impl-bun", "dist", "src", "main.js");
  return { file: bunPath, args: [script] };
}

const started = new Set<ChildProcess>();

/** Splits a stream into lines; a test waits for the next line that matches. */
export class Lines {
  private readonly queue: string[] = [];
  readonly seen: string[] = [];
  private partial = "";
  private readonly wakeUp = new WakeUp();
  ended = false;

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      this.partial += text;
      for (let nl = this.partial.indexOf("\n"); nl !== -1; nl = this.partial.indexOf("\n")) {
        const line = this.partial.slice(0, nl);
        this.partial = this.partial.slice(nl + 1);
        this.queue.push(line);
        this.seen.push(line);
      }
      this.wakeUp.wake();
    });
    stream.on("end", () => {
      this.ended = true;
      this.wakeUp.wake();
    });
  }

  async next(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.queue.findIndex(match);
      if (index !== -1) return this.queue.splice(index, 1)[0] as string;
      if (this.ended) throw new Error(`${what}: the stream ended first`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
      await this.wakeUp.sleep(left);
    }
  }

  /** Waits (bounded) until the stream has ended; returns whether it did. */
  async finished(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.wakeUp.sleep(left);
    }
    return true;
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly kind: ServerKind;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** The `listening on HOST:PORT` line the server printed. */
  readonly line: string;
  /** Counters, through the control script (control entry only). */
  stats(): Promise<ServerStats>;
  /** Graceful close through the control script (control entry only). */
  close(): Promise<void>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  exitedWithin(ms: number): Promise<Exit | undefined>;
  stdoutLines(): readonly string[];
  /** Waits (bounded) until the process's standard output has ended; returns whether it did. */
  stdoutEnded(ms: number): Promise<boolean>;
  stderrText(): string;
  /** VmRSS of the server process in KiB, from /proc. */
  rssKiB(): number;
}

export interface LaunchResult {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  readonly stdout: Lines;
  stderrText(): string;
}

/** Starts a server program without waiting for anything (for exit-code tests). */
export function spawnServer(kind: ServerKind, entry: Entry, flags: readonly string[]): LaunchResult {
  const { file, args } = commandFor(kind, entry);
  return spawnProgram(file, [...args, ...flags]);
}

/** Starts any program (tracked for stopAll) with piped standard streams. */
export function spawnProgram(file: string, args: readonly string[]): LaunchResult {
  const child = spawn(file, args, { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
  started.add(child);
  const exited = new Promise<Exit>((resolveExit) => {
    child.on("exit", (code, signal) => {
      started.delete(child);
      resolveExit({ code, signal });
    });
  });
  child.on("error", () => undefined); // spawn failures surface as an exit
  child.stdin?.on("error", () => undefined); // writing to a process that died
  const stdout = new Lines(child.stdout as NodeJS.ReadableStream);
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr += text;
  });
  return { child, exited, stdout, stderrText: () => stderr };
}

const LISTENING = /^listening on (?:\[([^\]]+)\]|([^:]+)):(\d+)$/;

/** Starts a server on port 0 (unless flags set one) and waits for its `listening on` line. */
export async function launchServer(
  kind: ServerKind,
  flags: readonly string[] = [],
  entry: Entry = "control",
): Promise<ServerProcess> {
  const withPort = flags.includes("--port") ? [...flags] : ["--port", "0", ...flags];
  return serverFrom(kind, `${kind} ${entry}`, spawnServer(kind, entry, withPort));
}

/**
 * Starts a server's entry point on port 0 with its descriptor limit (soft and hard) set to `limit`
 * by the shell's `ulimit -n`; the shell execs the server, so the process id is the server's.
 */
export async function launchWithDescriptorLimit(
  kind: ServerKind,
  limit: number,
  flags: readonly string[] = [],
): Promise<ServerProcess> {
  const { file, args } = commandFor(kind, "main");
  const run = spawnProgram("/bin/sh", [
    "-c",
    `ulimit -n ${limit} && exec "$@"`,
    "sh",
    file,
    ...args,
    "--port",
    "0",
    ...flags,
  ]);
  return serverFrom(kind, `${kind} main (ulimit -n ${limit})`, run);
}

/** Waits for a launched program's `listening on` line and wraps it as a ServerProcess. */
export async function serverFrom(kind: ServerKind, label: string, run: LaunchResult): Promise<ServerProcess> {
  const { child, exited, stdout } = run;
  let line: string;
  try {
    line = await Promise.race([
      stdout.next((l) => LISTENING.test(l), 30_000, `${label}: listening line`),
      exited.then((exit) => {
        throw new Error(`${label} exited (${exit.code ?? exit.signal}) before listening`);
      }),
    ]);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}; stderr: ${run.stderrText().slice(-500)}`);
  }
  const match = LISTENING.exec(line) as RegExpExecArray;
  const host = (match[1] ?? match[2]) as string;
  const port = Number(match[3]);
  const pid = child.pid as number;
  let commandChain: Promise<unknown> = Promise.resolve();
  const request = <T>(work: () => Promise<T>): Promise<T> => {
    const next = commandChain.then(work, work);
    commandChain = next.catch(() => undefined);
    return next;
  };
  return {
    kind,
    host,
    port,
    pid,
    line,
    exited,
    stats: () =>
      request(async () => {
        child.stdin?.write("stats\n");
        const reply = await stdout.next((l) => l.startsWith("stats "), 20_000, `${kind}: stats`);
        return JSON.parse(reply.slice("stats ".length)) as ServerStats;
      }),
    close: () =>
      request(async () => {
        child.stdin?.write("close\n");
        await stdout.next((l) => l === "closed", 60_000, `${kind}: closed`);
        await exited;
      }),
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exitedWithin: (ms) =>
      Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]),
    stdoutLines: () => stdout.seen,
    stdoutEnded: (ms) => stdout.finished(ms),
    stderrText: run.stderrText,
    rssKiB: () => readRssKiB(pid),
  };
}

/** Fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime. */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** User plus system CPU time of a process, in clock ticks (1/100 s). */
export function cpuTicks(pid: number): number {
  const fields = statFields(pid);
  return fields === undefined ? Number.NaN : Number(fields[11]) + Number(fields[12]);
}

/** The live (not zombie) children of a process: a --workers server's workers. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields !== undefined && Number(fields[1]) === pid && fields[0] !== "Z") children.push(Number(entry));
  }
  return children.sort((a, b) => a - b);
}

/** Whether a process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== undefined && fields[0] !== "Z";
}

export function readRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : Number.NaN;
}

export interface Finished {
  /** The exit, or undefined when the program was still running at the timeout (then killed). */
  exit: Exit | undefined;
  stdout: readonly string[];
  stderr: string;
}

/** Runs a server's entry point to completion (--help, --version, bad flags), bounded. */
export async function runToExit(
  kind: ServerKind,
  flags: readonly string[],
  timeoutMs = 30_000,
): Promise<Finished> {
  const run = spawnServer(kind, "main", flags);
  const exit = await Promise.race([
    run.exited,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), timeoutMs).unref()),
  ]);
  if (exit === undefined) run.child.kill("SIGKILL");
  await run.stdout.finished(5000);
  return { exit, stdout: run.stdout.seen, stderr: run.stderrText() };
}

/** Reads the server's stats until `condition` holds or the timeout passes; returns the last stats. */
export async function waitForStats(
  server: ServerProcess,
  condition: (stats: ServerStats) => boolean,
  timeoutMs = 30_000,
): Promise<ServerStats> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await server.stats();
    if (condition(stats) || Date.now() > deadline) return stats;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Kills every server this module started and waits (bounded) for them to exit. */
export async function stopAll(): Promise<void> {
  const waits: Promise<void>[] = [];
  for (const child of started) {
    waits.push(new Promise<void>((r) => child.once("exit", () => r())));
    child.kill("SIGKILL");
  }
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5000).unref())]);
}
