/**
 * Targets: parse the --target syntax and launch servers as process groups. Shared by the suite and
 * the benchmark tool. A launched target prints `listening on HOST:PORT` or accepts connections on
 * its port; it is stopped with SIGTERM to its group, then SIGKILL after a deadline.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { UsageError } from "@bridgekeeper/spec";
import { TargetExitedError, TargetNotListeningError } from "./errors.js";
import { ourServerCommand } from "./servers.js";
import { within } from "./wait.js";

export type TargetSpec =
  | { readonly kind: "node"; readonly text: string }
  | { readonly kind: "bun"; readonly text: string }
  | { readonly kind: "address"; readonly text: string; readonly host: string; readonly port: number }
  | { readonly kind: "exec"; readonly text: string; readonly command: string };

export interface ProcessEvidence {
  /** Open descriptors summed over the target's process group. */
  readonly fds: number;
  /** User + system CPU time of the group's processes, in milliseconds. */
  readonly cpuMs: number;
  /** Resident memory summed over the group, in bytes. */
  readonly rssBytes: number;
  /** How many processes the group holds. */
  readonly processes: number;
  /** The fewest descriptors any of them may still open (its soft RLIMIT_NOFILE less what it holds), if known. */
  readonly descriptorHeadroom?: number;
}

/** How a process ended: its exit code, or the signal that killed it. */
export interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface LaunchedTarget {
  readonly spec: TargetSpec;
  readonly host: string;
  readonly port: number;
  readonly pid?: number | undefined;
  /** True when the suite started the process (node, bun, exec). */
  readonly launched: boolean;
  /** The last lines the process printed (stdout and stderr). */
  outputTail(): string;
  /** Evidence from /proc for the process group; null when not launched or gone. */
  processEvidence(): Promise<ProcessEvidence | null>;
  /** The exit status once the process exited, else null. */
  exitStatus(): ExitStatus | null;
  /** Resolves with the exit status when the process exits (never for address targets). */
  exited(): Promise<ExitStatus>;
  /** Sends a signal to the server (node/bun: its main process; exec: every process of the group but the shell); resolves once sent. */
  signal(name: NodeJS.Signals): Promise<void>;
  /**
   * Stops the process group: SIGTERM, then SIGKILL once `graceMs` (default: the launch option
   * stopTimeoutMs) passed without an exit; `graceMs: 0` kills at once.
   */
  stop(options?: { readonly graceMs?: number }): Promise<void>;
}

export interface LaunchOptions {
  readonly serverArgs?: readonly string[];
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  /** Start it with at most this many open descriptors (soft and hard), through util-linux prlimit. */
  readonly fdLimit?: number;
}

const LISTENING_LINE = /listening on (\[[^\]]+\]|[^\s:]+):(\d+)/;

function parsePort(text: string, whole: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new UsageError(`--target ${whole}: port must be 1..65535`);
  }
  return port;
}

/** Parses node | bun | HOST:PORT | tcp://HOST:PORT | [IPv6]:PORT | exec:COMMAND. */
export function parseTarget(text: string): TargetSpec {
  const trimmed = text.trim();
  if (trimmed === "") throw new UsageError("--target needs a value: node, bun, HOST:PORT or exec:COMMAND");
  if (trimmed === "node") return { kind: "node", text: trimmed };
  if (trimmed === "bun") return { kind: "bun", text: trimmed };
  if (trimmed.startsWith("exec:")) {
    const command = trimmed.slice("exec:".length).trim();
    if (command === "")
      throw new UsageError("--target exec: needs a command, e.g. exec:python3 server.py --port {port}");
    return { kind: "exec", text: trimmed, command };
  }
  const address = trimmed.startsWith("tcp://") ? trimmed.slice("tcp://".length) : trimmed;
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(address) ?? /^([A-Za-z0-9.-]+):(\d+)$/.exec(address);
  if (match) {
    return {
      kind: "address",
      text: trimmed,
      host: match[1] as string,
      port: parsePort(match[2] as string, trimmed),
    };
  }
  throw new UsageError(
    `--target ${JSON.stringify(text)} is not node, bun, HOST:PORT, tcp://HOST:PORT or exec:COMMAND`,
  );
}

/** A loopback port bound and released at once: `port`, or any (0); null when it is taken. */
function bindOnce(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(null));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(bound));
    });
  });
}

/** The lowest port the kernel hands out to outgoing connections (32768 when it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 1024 ? low : 32768;
  } catch {
    return 32768;
  }
}

/** Free ports are looked for from here up to the ephemeral range. */
const FREE_PORTS_FROM = 10000;

/**
 * A free loopback port for a target to bind, below the kernel's ephemeral range: there, no
 * outgoing connection (the suite opens tens of thousands) can take it between this check and the
 * target's bind. Any free port when none is found there.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 20 && low > FREE_PORTS_FROM; attempt++) {
    const port = FREE_PORTS_FROM + Math.floor(Math.random() * (low - FREE_PORTS_FROM));
    if ((await bindOnce(port)) !== null) return port;
  }
  const any = await bindOnce(0);
  if (any === null) throw new Error("no free loopback port");
  return any;
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

class OutputTail {
  private text = "";
  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString("utf8")).slice(-8192);
  }
  lines(count = 20): string {
    return this.text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .slice(-count)
      .join("\n");
  }
}

const CLOCK_TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

async function statFields(pid: string): Promise<string[] | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // After "pid (comm) ": state, ppid, pgrp, ... (utime and stime are fields 14 and 15, rss 24).
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** The live processes of a process group. */
export async function groupPids(pgid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await statFields(entry);
    if (fields && Number(fields[2]) === pgid && fields[0] !== "Z") pids.push(Number(entry));
  }
  return pids;
}

/** Sums /proc evidence over every process whose process group is `pgid`. */
export async function processGroupEvidence(pgid: number): Promise<ProcessEvidence | null> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return null;
  }
  let fds = 0;
  let ticks = 0;
  let rss = 0;
  let processes = 0;
  let headroom = Number.POSITIVE_INFINITY;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields[0] is state (field 3); pgrp is field 5, utime 14, stime 15, rss 24.
      if (Number(fields[2]) !== pgid || fields[0] === "Z") continue;
      const fdList = await readdir(`/proc/${entry}/fd`);
      // A shell wrapper (sh -c) holds no sockets; count only what the group really holds.
      fds += fdList.length;
      const limit = await softDescriptorLimit(entry);
      if (limit !== undefined) headroom = Math.min(headroom, limit - fdList.length);
      ticks += Number(fields[11]) + Number(fields[12]);
      rss += Number(fields[21]) * PAGE_SIZE;
      processes++;
    } catch {
      // the process went away while we looked
    }
  }
  if (processes === 0) return null;
  return {
    fds,
    cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND,
    rssBytes: rss,
    processes,
    ...(Number.isFinite(headroom) ? { descriptorHeadroom: headroom } : {}),
  };
}

/** A process's soft limit on open descriptors ("Max open files" in /proc/PID/limits). */
async function softDescriptorLimit(pid: string): Promise<number | undefined> {
  const limits = await readFile(`/proc/${pid}/limits`, "utf8").catch(() => "");
  const soft = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

function commandFor(
  spec: TargetSpec,
  port: number,
  serverArgs: readonly string[],
): { file: string; args: string[] } {
  switch (spec.kind) {
    case "node":
    case "bun": {
      const { file, args } = ourServerCommand(spec.kind);
      return { file, args: [...args, "--port", String(port), ...serverArgs] };
    }
    case "exec":
      return { file: "/bin/sh", args: ["-c", spec.command.replaceAll("{port}", String(port))] };
    case "address":
      throw new Error("an address target is not launched");
  }
}

function addressTarget(spec: TargetSpec & { kind: "address" }): LaunchedTarget {
  return {
    spec,
    host: spec.host,
    port: spec.port,
    launched: false,
    outputTail: () => "",
    processEvidence: async () => null,
    exitStatus: () => null,
    exited: () => new Promise(() => {}),
    signal: async () => {},
    stop: async () => {},
  };
}

/** The address a launched target's `listening on HOST:PORT` line names (wildcards mean loopback). */
function announcedAddress(text: string): { host: string; port: number } | null {
  const match = LISTENING_LINE.exec(text);
  if (!match) return null;
  const host = (match[1] as string).replace(/^\[|\]$/g, "");
  return { host: host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host, port: Number(match[2]) };
}

/** A target the suite started: its process group, its output, its exit, its address once it listens. */
class ProcessTarget implements LaunchedTarget {
  readonly launched = true;
  host = "127.0.0.1";
  port: number;
  readonly pid: number | undefined;
  private status: ExitStatus | null = null;
  private readonly exitedPromise: Promise<ExitStatus>;
  private readonly tail = new OutputTail();
  private announced: { host: string; port: number } | null = null;

  constructor(
    readonly spec: TargetSpec,
    private readonly child: ChildProcess,
    freePortGiven: number,
    private readonly stopTimeoutMs: number,
  ) {
    this.port = freePortGiven;
    this.pid = child.pid;
    this.exitedPromise = new Promise<ExitStatus>((resolve) => {
      const ended = (status: ExitStatus): void => {
        this.status = status;
        resolve(status);
      };
      child.once("exit", (code, signal) => ended({ code, signal }));
      child.once("error", (error) => {
        this.tail.add(Buffer.from(`spawn failed: ${error.message}\n`));
        ended({ code: null, signal: null });
      });
    });
    let lines = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      this.tail.add(chunk);
      if (this.announced) return;
      lines += chunk.toString("utf8");
      this.announced = announcedAddress(lines);
    });
    child.stderr?.on("data", (chunk: Buffer) => this.tail.add(chunk));
  }

  /** Waits for the `listening on` line (or, for exec targets, the port to accept); throws when it never comes. */
  async waitForListening(startTimeoutMs: number): Promise<void> {
    const started = Date.now();
    while (Date.now() - started < startTimeoutMs) {
      if (this.announced) {
        ({ host: this.host, port: this.port } = this.announced);
        return;
      }
      if (this.status !== null) {
        await sleep(50);
        throw new TargetExitedError(
          `target ${this.spec.text} exited before listening (${describeStatus(this.status)})${tailSuffix(this.tail.lines())}`,
          this.tail.lines(),
        );
      }
      if (this.spec.kind === "exec" && (await canConnect("127.0.0.1", this.port, 500))) return;
      await sleep(100);
    }
    await this.stop();
    throw new TargetNotListeningError(
      `target ${this.spec.text} did not listen within ${startTimeoutMs} ms${tailSuffix(this.tail.lines())}`,
      this.tail.lines(),
    );
  }

  outputTail(): string {
    return this.tail.lines();
  }

  processEvidence(): Promise<ProcessEvidence | null> {
    return this.pid === undefined || this.status !== null
      ? Promise.resolve(null)
      : processGroupEvidence(this.pid);
  }

  exitStatus(): ExitStatus | null {
    return this.status;
  }

  exited(): Promise<ExitStatus> {
    return this.exitedPromise;
  }

  /** node and bun: the server's own process; exec: every process of the group but the shell. */
  async signal(name: NodeJS.Signals): Promise<void> {
    const pid = this.pid;
    if (pid === undefined || this.status !== null) return;
    const pids = this.spec.kind === "exec" ? (await groupPids(pid)).filter((p) => p !== pid) : [];
    for (const p of pids.length > 0 ? pids : [pid]) {
      try {
        process.kill(p, name);
      } catch {
        // already gone
      }
    }
  }

  async stop(options: { readonly graceMs?: number } = {}): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    const graceMs = options.graceMs ?? this.stopTimeoutMs;
    if (this.status === null && graceMs > 0) {
      killGroup(pid, "SIGTERM");
      await within(this.exitedPromise, graceMs);
    }
    killGroup(pid, "SIGKILL"); // in every case: an exec shell may have exited while its server lives on
    if (this.status === null) await within(this.exitedPromise, 2000);
    this.child.stdout?.destroy();
    this.child.stderr?.destroy();
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already gone
  }
}

/**
 * Starts a target (or wraps an address). node and bun get `--port 0` plus `serverArgs`, and report
 * their port on the `listening on` line; exec commands get a free port in {port} and PORT.
 */
export async function launchTarget(spec: TargetSpec, options: LaunchOptions = {}): Promise<LaunchedTarget> {
  if (spec.kind === "address") return addressTarget(spec);
  const port = spec.kind === "exec" ? await freePort() : 0;
  const command = commandFor(spec, port, options.serverArgs ?? []);
  const { file, args } =
    options.fdLimit === undefined
      ? command
      : {
          file: "prlimit",
          args: [`--nofile=${options.fdLimit}:${options.fdLimit}`, "--", command.file, ...command.args],
        };
  const child = spawn(file, args, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(port) },
  });
  const target = new ProcessTarget(spec, child, port, options.stopTimeoutMs ?? 35_000);
  await target.waitForListening(options.startTimeoutMs ?? 20_000);
  return target;
}

export function describeStatus(status: ExitStatus): string {
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

function tailSuffix(lines: string): string {
  return lines === ""
    ? "; it printed nothing"
    : `; its last output: ${lines.split("\n").slice(-3).join(" | ")}`;
}
