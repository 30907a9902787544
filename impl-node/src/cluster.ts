/**
 * --workers N: the cluster primary forks N workers that each run startServer on the same address.
 * Node's cluster shares one listening socket among them (round-robin hand-off by default on Linux;
 * NODE_CLUSTER_SCHED_POLICY=none lets the kernel spread connections instead), and with --port 0
 * every worker receives the same port, chosen once by the primary. The primary prints the one
 * `listening on` line after all N workers listen, forwards SIGINT/SIGTERM, and replaces a worker
 * that dies while the server is running, after a delay that grows while it keeps dying
 * (RestartBackoff: 0.1 s doubling to 10 s), so a worker that cannot run is no fork loop.
 */
import cluster, { type Worker } from "node:cluster";
import { formatAddress, formatDelay, RestartBackoff, type ServerCommand } from "@bridgekeeper/spec";
import { forcedExitCode, installSignalHandlers } from "./signals.js";

type ServeCommand = Extract<ServerCommand, { kind: "serve" }>;

/** Extra time the primary allows past the workers' own shutdown deadline before killing them. */
const PRIMARY_GRACE_MS = 5000;

export function runPrimary(command: ServeCommand, log: (line: string) => void): void {
  const workers = new Set<Worker>();
  const listening = new Set<number>();
  /** Each worker's slot (its backoff) and start time. */
  const slots = new Map<Worker, { backoff: RestartBackoff; startedAt: number }>();
  const pendingRestarts = new Set<NodeJS.Timeout>();
  let announced = false;
  let stopping = false;
  let failedCode = 0;

  const fork = (backoff: RestartBackoff = new RestartBackoff()): void => {
    const worker = cluster.fork();
    workers.add(worker);
    slots.set(worker, { backoff, startedAt: Date.now() });
  };

  const restartLater = (worker: Worker, why: string): void => {
    const slot = slots.get(worker) ?? { backoff: new RestartBackoff(), startedAt: Date.now() };
    const delay = slot.backoff.delayAfter(Date.now() - slot.startedAt);
    log(`worker ${worker.process.pid} exited (${why}); starting a replacement in ${formatDelay(delay)}`);
    const timer = setTimeout(() => {
      pendingRestarts.delete(timer);
      if (!stopping) fork(slot.backoff);
    }, delay);
    pendingRestarts.add(timer);
  };

  cluster.on("listening", (worker, address) => {
    listening.add(worker.id);
    if (!announced && listening.size >= command.workers) {
      announced = true;
      const host = typeof address.address === "string" ? address.address : command.host;
      process.stdout.write(`listening on ${formatAddress(host, address.port)}\n`);
    }
  });

  cluster.on("exit", (worker, code, signal) => {
    workers.delete(worker);
    listening.delete(worker.id);
    if (!stopping && !announced) {
      // A worker failed before the server was up (e.g. the address is in use): give up.
      log(`worker ${worker.process.pid} exited (${signal ?? code}) before listening; stopping`);
      stopping = true;
      failedCode = typeof code === "number" && code !== 0 ? code : 1;
      for (const other of workers) other.process.kill("SIGTERM");
    } else if (!stopping) {
      restartLater(worker, `${signal ?? code}`);
    } else if (code !== 0 && code !== null) {
      failedCode = code;
    }
    slots.delete(worker);
    if (stopping && workers.size === 0) process.exit(failedCode);
  });

  installSignalHandlers({
    log,
    shutdown: (signal) => {
      stopping = true;
      for (const timer of pendingRestarts) clearTimeout(timer);
      for (const worker of workers) worker.process.kill(signal);
      if (workers.size === 0) process.exit(0);
      setTimeout(() => {
        log("workers did not stop in time; killing them");
        for (const worker of workers) worker.process.kill("SIGKILL");
      }, command.limits.shutdownTimeoutMs + PRIMARY_GRACE_MS).unref();
    },
    force: (signal) => {
      for (const worker of workers) worker.process.kill("SIGKILL");
      process.exit(forcedExitCode(signal));
    },
  });

  for (let i = 0; i < command.workers; i++) fork();
}
