/**
 * Runs the Bun server under the real Bun runtime as a child process, from vitest on Node: the
 * control script (stats and close over standard input) or the real entry point (flags, exit codes,
 * signals). Every process started here is tracked and killed by `stopAll()` (call it in afterAll).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerStats } from "@bridgekeeper/spec";

const here = dirname(fileURLToPath(import.meta.url));
/** impl-bun/test when run from source; impl-bun/dist-test when compiled. */
export const packageDir = resolve(here, "..");
export const repoRoot = resolve(packageDir, "..");
export const bunPath = join(repoRoot, "node_modules", ".bin", "bun");
export const controlScript = join(packageDir, "test", "control.ts");
export const mainScript = join(packageDir, "dist", "src", "main.js");
export const tablesDir = join(repoRoot, "fixtures", "tables");

const started = new Set<ChildProcess>();

/** Splits a stream into lines and lets a test wait for the next one that matches. */
class LineReader {
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  private buffered = "";
  ended = false;

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding("utf8");
    stream.on("data", (text: string) => {
      this.buffered += text;
      for (let nl = this.buffered.indexOf("\n"); nl !== -1; nl = this.buffered.indexOf("\n")) {
        this.lines.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 1);
      }
      this.wake();
    });
    stream.on("end", () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  all(): readonly string[] {
    return this.lines;
  }

  /** The next line (removed from the queue) that satisfies `match`, within `timeoutMs`. */
  async next(match: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex(match);
      if (index !== -1) return this.lines.splice(index, 1)[0] as string;
      if (this.ended) throw new Error("the process closed its output before the expected line");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching line within ${timeoutMs} ms`);
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(resolveWait, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolveWait();
        });
      });
    }
  }
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly host: string;
  readonly port: number;
  readonly stdout: LineReader;
  stderr(): string;
  /** Resolves with the exit code (or 128 + signal number). */
  readonly exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

function launch(args: readonly string[]): {
  child: ChildProcess;
  stdout: LineReader;
  stderr: () => string;
  exited: Promise<number>;
} {
  if (!existsSync(bunPath)) throw new Error(`no Bun runtime at ${bunPath}`);
  const child = spawn(bunPath, args, { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
  started.add(child);
  const stdout = new LineReader(child.stdout as NodeJS.ReadableStream);
  let errText = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    errText += text;
  });
  const exited = new Promise<number>((resolveExit) => {
    child.on("exit", (code, signal) => {
      started.delete(child);
      resolveExit(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0));
    });
  });
  return { child, stdout, stderr: () => errText, exited };
}

async function awaitListening(
  launched: ReturnType<typeof launch>,
): Promise<{ host: string; port: number; line: string }> {
  let line: string;
  try {
    line = await launched.stdout.next((l) => l.startsWith("listening on "), 30_000);
  } catch (error) {
    throw new Error(`server did not listen: ${(error as Error).message}; stderr: ${launched.stderr()}`);
  }
  const match = /^listening on (?:\[(.+)\]|([^:]+)):(\d+)$/.exec(line);
  if (!match) throw new Error(`bad listening line: ${line}`);
  return { host: (match[1] ?? match[2]) as string, port: Number(match[3]), line };
}

/** The server through the control script: stats() and close() over its standard input. */
export interface ControlledServer extends ServerProcess {
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

export async function startControlled(flags: readonly string[]): Promise<ControlledServer> {
  const launched = launch([controlScript, "--port", "0", ...flags]);
  const { host, port } = await awaitListening(launched);
  const stdin = launched.child.stdin;
  if (!stdin) throw new Error("no stdin pipe");
  return {
    ...launched,
    host,
    port,
    async stats() {
      stdin.write("stats\n");
      const line = await launched.stdout.next((l) => l.startsWith("stats "));
      return JSON.parse(line.slice("stats ".length)) as ServerStats;
    },
    async close() {
      stdin.write("close\n");
      await launched.stdout.next((l) => l === "closed", 60_000);
      await launched.exited;
    },
  };
}

/** The real entry point (`bun impl-bun/dist/src/main.js`), once it has printed its line. */
export async function startMain(flags: readonly string[]): Promise<ServerProcess & { line: string }> {
  const launched = launch([mainScript, ...flags]);
  const listening = await awaitListening(launched);
  return { ...launched, ...listening };
}

/** Runs the entry point to completion (for --help, --version, bad flags). */
export async function runMain(
  flags: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const launched = launch([mainScript, ...flags]);
  const timer = setTimeout(() => launched.child.kill("SIGKILL"), 30_000);
  const code = await launched.exited;
  clearTimeout(timer);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: launched.stdout.all().join("\n"), stderr: launched.stderr() };
}

/** Kills every process these helpers started and is still running. */
export async function stopAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of started) {
    waits.push(new Promise((r) => child.once("exit", r)));
    child.kill("SIGKILL");
  }
  await Promise.all(waits);
}
