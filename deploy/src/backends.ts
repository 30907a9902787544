/**
 * The cluster's backends: our servers launched from their compiled entry points in process groups
 * of their own (through the conformance suite's launcher), or servers already running elsewhere.
 * A launched backend can be killed and started again on the same port, as a supervisor would.
 */
import { shellQuote } from "@bridgekeeper/client-kit";
import { type LaunchedTarget, launchTarget, ourServerCommand, parseTarget } from "@bridgekeeper/conformance";
import { UsageError } from "@bridgekeeper/spec";
import { ClusterStartError } from "./errors.js";

export type BackendSpec =
  | { readonly kind: "node" | "bun"; readonly text: string }
  | { readonly kind: "address"; readonly text: string; readonly host: string; readonly port: number };

/** Parses `node,bun,HOST:PORT,[::1]:PORT`: one backend per item. */
export function parseBackends(text: string): BackendSpec[] {
  const items = text.split(",").map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === "")) {
    throw new UsageError(
      `--backends ${JSON.stringify(text)}: a comma-separated list of node, bun or HOST:PORT`,
    );
  }
  return items.map((item): BackendSpec => {
    if (item === "node" || item === "bun") return { kind: item, text: item };
    const match = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(item) ?? /^([A-Za-z0-9.-]+):(\d+)$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      throw new UsageError(`--backends: ${JSON.stringify(item)} is not node, bun or HOST:PORT`);
    }
    return { kind: "address", text: item, host: match[1] as string, port };
  });
}

/** HAProxy server names: node1, bun1, node2, ..., ext1 for address backends. */
export function backendNames(specs: readonly BackendSpec[]): string[] {
  const counts = new Map<string, number>();
  return specs.map((spec) => {
    const stem = spec.kind === "address" ? "ext" : spec.kind;
    const n = (counts.get(stem) ?? 0) + 1;
    counts.set(stem, n);
    return `${stem}${n}`;
  });
}

export interface BackendFlags {
  readonly tablePath: string;
  readonly idleTimeoutSec: number;
  readonly maxConnections: number;
  readonly shutdownTimeoutSec: number;
  readonly maxQuestion?: number;
}

/** One backend: its address, and for launched ones the process that serves it now. */
export class ClusterBackend {
  private target: LaunchedTarget | null = null;
  host: string;
  port: number;

  constructor(
    readonly name: string,
    readonly spec: BackendSpec,
    private readonly flags: BackendFlags,
    private readonly startTimeoutMs: number,
  ) {
    this.host = spec.kind === "address" ? spec.host : "127.0.0.1";
    this.port = spec.kind === "address" ? spec.port : 0;
  }

  get launched(): boolean {
    return this.spec.kind !== "address";
  }

  /** The process id of a running launched backend, else null. */
  get pid(): number | null {
    return this.target?.pid !== undefined && this.target.exitStatus() === null ? this.target.pid : null;
  }

  /** The current process, for evidence and exit status (null for address backends). */
  get process(): LaunchedTarget | null {
    return this.target;
  }

  private command(port: number): string {
    if (this.spec.kind === "address") throw new Error("an address backend is not launched");
    const { file, args } = ourServerCommand(this.spec.kind);
    const f = this.flags;
    const flags = [
      ["--port", port],
      ["--table", f.tablePath],
      ["--idle-timeout", f.idleTimeoutSec],
      ["--max-connections", f.maxConnections],
      ["--shutdown-timeout", f.shutdownTimeoutSec],
      ...(f.maxQuestion !== undefined ? [["--max-question", f.maxQuestion]] : []),
    ];
    return ["exec", file, ...args, ...flags.flat()].map((part) => shellQuote(String(part))).join(" ");
  }

  /** Launches the server: on a free port the first time, on the same port again after a kill. */
  async start(): Promise<void> {
    if (this.spec.kind === "address") return;
    if (this.pid !== null) throw new UsageError(`backend ${this.name} is already running`);
    try {
      this.target = await launchTarget(parseTarget(`exec:${this.command(this.port)}`), {
        startTimeoutMs: this.startTimeoutMs,
        stopTimeoutMs: (this.flags.shutdownTimeoutSec + 5) * 1000,
      });
    } catch (error) {
      throw new ClusterStartError(`backend ${this.name} (${this.spec.kind}): ${(error as Error).message}`);
    }
    this.host = this.target.host;
    this.port = this.target.port;
  }

  /** Sends `signal` to the server and waits until it has exited. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const target = this.target;
    if (target === null || target.exitStatus() !== null) return;
    target.signal(signal);
    await target.exited();
  }

  /** Graceful stop (SIGTERM; SIGKILL after D + 5 s); nothing when the process already exited. */
  async stop(): Promise<void> {
    if (this.target !== null && this.target.exitStatus() === null) await this.target.stop();
  }
}
