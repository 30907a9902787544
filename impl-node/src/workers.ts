/**
 * --workers N: the cluster primary forks N workers that each run the main as a worker, on the same
 * address. Node's cluster shares one listening socket among them (round-robin hand-off by default
 * on Linux; NODE_CLUSTER_SCHED_POLICY=none lets the kernel spread connections instead), and with
 * --port 0 every worker receives the same port, chosen once by the primary. `start` resolves once
 * all N listen (the main then prints the one `listening on` line); a worker that dies while the
 * server runs is replaced after its slot's RestartBackoff (PendingRestarts); `stop` passes the
 * signal on and resolves once every worker has exited. A worker whose primary is gone stops too
 * (main.ts).
 */
import cluster, { type Address, type Worker } from "node:cluster";
import {
  awaitWorkersStopped,
  PendingRestarts,
  RestartBackoff,
  type ServeCommand,
  type ShutdownSignal,
  type Supervisor,
  WorkerError,
  type WorkerSlot,
} from "@bridgekeeper/server-kit";

export class WorkerSupervisor implements Supervisor {
  /** The workers running now, each in its slot. */
  private readonly workers = new Map<Worker, WorkerSlot>();
  private readonly listening = new Set<Worker>();
  private readonly restarts: PendingRestarts;
  private started:
    | { resolve(address: { host: string; port: number }): void; reject(e: Error): void }
    | undefined;
  private allExited: (() => void) | undefined;
  private stopping = false;
  private exitCode = 0;

  constructor(
    private readonly command: ServeCommand,
    private readonly log: (line: string) => void,
  ) {
    this.restarts = new PendingRestarts(log);
    cluster.on("listening", (worker, address) => this.workerListening(worker, address));
    cluster.on("exit", (worker, code, signal) => this.workerExited(worker, code, signal));
  }

  /** Forks `count` workers; resolves with the address once all listen, or rejects when one exits first. */
  start(count: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.started = { resolve, reject };
      for (let i = 0; i < count; i++) this.fork({ backoff: new RestartBackoff(), startedAt: 0 });
    });
  }

  async stop(signal: ShutdownSignal): Promise<number> {
    this.stopping = true;
    this.restarts.cancel();
    const exited = new Promise<void>((resolve) => {
      this.allExited = resolve;
    });
    for (const worker of this.workers.keys()) worker.process.kill(signal);
    if (this.workers.size === 0) return this.exitCode;
    await awaitWorkersStopped(exited, this.command.limits.shutdownTimeoutMs, this.log, () => this.kill());
    return this.exitCode;
  }

  kill(): void {
    this.stopping = true;
    this.restarts.cancel();
    for (const worker of this.workers.keys()) worker.process.kill("SIGKILL");
  }

  private fork(slot: WorkerSlot): void {
    slot.startedAt = Date.now();
    this.workers.set(cluster.fork(), slot);
  }

  private workerListening(worker: Worker, address: Address): void {
    this.listening.add(worker);
    if (this.started === undefined || this.listening.size < this.workers.size) return;
    const host = typeof address.address === "string" ? address.address : this.command.host;
    this.started.resolve({ host, port: address.port });
    this.started = undefined;
  }

  private workerExited(worker: Worker, code: number | null, signal: string | null): void {
    const slot = this.workers.get(worker);
    this.workers.delete(worker);
    this.listening.delete(worker);
    const why = `${signal ?? code}`;
    if (this.started !== undefined) {
      // A worker failed before the server was up (e.g. the address is in use): give up.
      this.started.reject(new WorkerError(`worker ${worker.process.pid} exited (${why}) before listening`));
      this.started = undefined;
      this.kill();
    } else if (!this.stopping && slot !== undefined) {
      this.restarts.schedule(slot, worker.process.pid, why, () => {
        if (!this.stopping) this.fork(slot);
      });
    } else if (code !== 0 && code !== null) {
      this.exitCode = code;
    }
    if (this.workers.size === 0) this.allExited?.();
  }
}
