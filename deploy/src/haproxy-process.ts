/**
 * The system's HAProxy as a child process: found on PATH (Debian installs /usr/sbin/haproxy),
 * its configuration checked with `haproxy -c`, run in the foreground (`-db`) in a process group
 * of its own, ready once its frontend accepts a connection, stopped softly (SIGUSR1: stop
 * listening, let connections finish) and then for good.
 */
import { execFile, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { HaproxyMissingError, HaproxyStartError } from "./errors.js";
import { OutputLines } from "./output-lines.js";

const run = promisify(execFile);

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The haproxy binary: `given` if it is executable, else the first on PATH, /usr/sbin or /usr/local/sbin. */
export function findHaproxy(given?: string): string | null {
  if (given !== undefined) return executable(given) ? given : null;
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    if (dir !== "" && executable(join(dir, "haproxy"))) return join(dir, "haproxy");
  }
  return null;
}

export function requireHaproxy(given?: string): string {
  const found = findHaproxy(given);
  if (found === null) {
    throw new HaproxyMissingError(
      given !== undefined
        ? `--haproxy ${given}: not an executable file`
        : "haproxy not found on PATH, /usr/sbin or /usr/local/sbin (Debian: apt-get install haproxy)",
    );
  }
  return found;
}

/** The ALERT lines of HAProxy's output (what it says when it refuses), else its last lines. */
function alerts(text: string): string {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const alert = lines.filter((l) => l.includes("[ALERT]"));
  return (alert.length > 0 ? alert : lines.slice(-3))
    .map((l) => l.replace(/^\[ALERT\]\s*\(\d+\)\s*:\s*/, ""))
    .join(" | ");
}

/** `haproxy -c`: throws HaproxyStartError with HAProxy's own reasons when it rejects the file. */
export async function checkConfig(binary: string, configPath: string): Promise<void> {
  try {
    await run(binary, ["-c", "-q", "-f", configPath], { timeout: 10_000 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new HaproxyStartError(
      `haproxy rejects ${configPath}: ${alerts(`${e.stdout ?? ""}${e.stderr ?? ""}`) || e.message}`,
    );
  }
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface HaproxyProcess {
  readonly pid: number;
  readonly exited: Promise<Exit>;
  exitStatus(): Exit | null;
  outputTail(): string;
  /** SIGUSR1: stop listening, let established connections finish (bounded by hard-stop-after). */
  softStop(): void;
  /** Waits up to `graceMs` for the process to end by itself, then SIGTERM, then SIGKILL, to its group. */
  stop(graceMs: number): Promise<void>;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

/** Starts `haproxy -f configPath -db` and resolves once host:port (its frontend) accepts connections. */
export async function startHaproxy(
  binary: string,
  configPath: string,
  frontend: { host: string; port: number },
  startTimeoutMs: number,
  onLine: (line: string) => void = () => {},
): Promise<HaproxyProcess> {
  const child = spawn(binary, ["-f", configPath, "-db"], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = new OutputLines(onLine);
  child.stdout?.on("data", (chunk: Buffer) => output.add(chunk));
  child.stderr?.on("data", (chunk: Buffer) => output.add(chunk));
  let status: Exit | null = null;
  const exited = new Promise<Exit>((resolve) => {
    const finish = (exit: Exit): void => {
      status = exit;
      resolve(exit);
    };
    child.once("exit", (code, signal) => finish({ code, signal }));
    child.once("error", (error) => {
      output.add(Buffer.from(`spawn ${binary}: ${error.message}\n`));
      finish({ code: null, signal: null });
    });
  });
  const pid = child.pid ?? -1;
  const stop = async (graceMs: number): Promise<void> => {
    if (pid > 0 && status === null) {
      await Promise.race([exited, sleep(graceMs)]);
      if (status === null) signalGroup(pid, "SIGTERM");
      await Promise.race([exited, sleep(2000)]);
      if (status === null) signalGroup(pid, "SIGKILL");
      await Promise.race([exited, sleep(2000)]);
    }
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  const deadline = Date.now() + startTimeoutMs;
  while (!(await canConnect(frontend.host, frontend.port))) {
    if (status !== null || Date.now() > deadline) {
      const why =
        status !== null ? "exited before it listened" : `did not listen within ${startTimeoutMs} ms`;
      await stop(0);
      await sleep(50);
      throw new HaproxyStartError(`haproxy ${why}: ${alerts(output.text()) || "it printed nothing"}`);
    }
    await sleep(100);
  }
  return {
    pid,
    exited,
    exitStatus: () => status,
    outputTail: () => output.text(),
    softStop: () => {
      if (status !== null) return;
      try {
        process.kill(pid, "SIGUSR1");
      } catch {
        // it exited meanwhile
      }
    },
    stop,
  };
}
