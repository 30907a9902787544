/**
 * What both servers' supervisors of --workers processes (each server's `workers.ts`: Node's
 * cluster primary, Bun's reuse-port supervisor) do alike: restart a worker that died while the
 * server runs, after its slot's RestartBackoff, with one log line; and at the graceful stop pass
 * the signal on, wait for every worker, and kill those still running past their own shutdown
 * deadline plus WORKER_STOP_GRACE_MS.
 */
import { formatDelay, type RestartBackoff } from "./restart-backoff.js";
import type { ShutdownSignal } from "./signals.js";

/** Extra time a supervisor allows past the workers' own shutdown deadline before killing them. */
export const WORKER_STOP_GRACE_MS = 5000;

/** The worker processes a process supervises, as the main (server-main.ts) stops them. */
export interface Supervisor {
  /** The graceful stop: passes `signal` on; resolves to the exit code once every worker has exited. */
  stop(signal: ShutdownSignal): Promise<number>;
  /** The forced exit: no more restarts; kills every worker (none may outlive this process). */
  kill(): void;
}

/** One worker place: its backoff, and when the process in it now started. */
export interface WorkerSlot {
  readonly backoff: RestartBackoff;
  startedAt: number;
}

/** Restarts waiting out their delay; all cancelled when the server stops. */
export class PendingRestarts {
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(private readonly log: (line: string) => void) {}

  /** The worker `pid` of `slot` exited (`why`: its code or signal): logs it, calls `restart` after the slot's delay. */
  schedule(slot: WorkerSlot, pid: number | undefined, why: string, restart: () => void): void {
    const delay = slot.backoff.delayAfter(Date.now() - slot.startedAt);
    this.log(`worker ${pid} exited (${why}); starting a replacement in ${formatDelay(delay)}`);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      restart();
    }, delay);
    this.timers.add(timer);
  }

  cancel(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * Waits until `allExited` settles; past `shutdownTimeoutMs` + WORKER_STOP_GRACE_MS it logs one
 * line and calls `kill` (the workers' exits then settle it).
 */
export async function awaitWorkersStopped(
  allExited: Promise<unknown>,
  shutdownTimeoutMs: number,
  log: (line: string) => void,
  kill: () => void,
): Promise<void> {
  const timer = setTimeout(() => {
    log("workers did not stop in time; killing them");
    kill();
  }, shutdownTimeoutMs + WORKER_STOP_GRACE_MS);
  try {
    await allExited;
  } finally {
    clearTimeout(timer);
  }
}
