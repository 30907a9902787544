/**
 * `--workers N`: N processes share one port with SO_REUSEPORT. The first process binds (with
 * `--port 0` the kernel picks the port) and serves too; it starts N - 1 copies of itself with
 * WORKER_PORT_ENV naming that port, waits until each prints its `listening on` line, and only then
 * prints the one line of the whole server. A worker's standard input is a pipe from the first
 * process: its end (the first process died) makes the worker shut down, so none is left behind.
 *
 * A worker that dies while the server runs is replaced, as Node's cluster does, after a delay that
 * grows while it keeps dying (RestartBackoff: 0.1 s doubling to 10 s), so a worker that cannot run
 * is no fork loop. Each restart is logged. A plain SO_REUSEPORT group does not do this by itself:
 * a dead process just leaves the group. Stopping (the first signal) cancels pending restarts,
 * signals every worker and resolves once all have exited.
 */
import { BridgekeeperError, formatDelay, RestartBackoff } from "@bridgekeeper/spec";
import type { Subprocess } from "bun";

export const WORKER_PORT_ENV = "LAUNCELOT_BUN_WORKER_PORT";
const STARTUP_TIMEOUT_MS = 30_000;

export class WorkerError extends BridgekeeperError {
  constructor(message: string) {
    super("E_WORKER", message);
  }
}

export type Worker = Subprocess<"pipe", "pipe", "inherit">;

/** The port a worker must join, when this process was started as one. */
export function workerPort(): number | undefined {
  const value = process.env[WORKER_PORT_ENV];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

function spawnWorker(port: number): Worker {
  const script = process.argv[1] as string;
  return Bun.spawn([process.execPath, script, ...process.argv.slice(2)], {
    env: { ...process.env, [WORKER_PORT_ENV]: String(port) },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
}

/** Reads a worker's standard output until its `listening on` line. */
async function awaitListening(worker: Worker): Promise<void> {
  const reader = worker.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new WorkerError(`worker ${worker.pid} exited before listening`);
      text += decoder.decode(value, { stream: true });
      if (/^listening on .*$/m.test(text)) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Resolves once every worker listens; rejects when one exits first or all take too long. */
async function allListening(workers: readonly Worker[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WorkerError(`workers did not listen within ${STARTUP_TIMEOUT_MS / 1000} s`)),
      STARTUP_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([Promise.all(workers.map(awaitListening)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function running(worker: Worker): boolean {
  return worker.exitCode === null && worker.signalCode === null;
}

/** One worker place: the process in it now, when that started, and the place's backoff. */
interface Slot {
  worker: Worker;
  startedAt: number;
  readonly backoff: RestartBackoff;
}

export class WorkerSupervisor {
  private readonly slots: Slot[] = [];
  private readonly pendingRestarts = new Set<ReturnType<typeof setTimeout>>();
  private stopping = false;

  constructor(
    private readonly port: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts `count` workers; resolves once all listen, or kills them all and rejects. */
  async start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      this.slots.push({
        worker: spawnWorker(this.port),
        startedAt: Date.now(),
        backoff: new RestartBackoff(),
      });
    }
    try {
      await allListening(this.slots.map((slot) => slot.worker));
    } catch (error) {
      this.kill("SIGKILL");
      throw error;
    }
    for (const slot of this.slots) this.watch(slot, slot.worker);
  }

  /** The process ids of the workers running now. */
  pids(): number[] {
    return this.slots.filter((slot) => running(slot.worker)).map((slot) => slot.worker.pid);
  }

  private watch(slot: Slot, worker: Worker): void {
    void worker.exited.then((code) => {
      if (this.stopping || slot.worker !== worker) return;
      const delay = slot.backoff.delayAfter(Date.now() - slot.startedAt);
      this.log(
        `worker ${worker.pid} exited (${worker.signalCode ?? code}); starting a replacement in ${formatDelay(delay)}`,
      );
      const timer = setTimeout(() => {
        this.pendingRestarts.delete(timer);
        this.replace(slot);
      }, delay);
      this.pendingRestarts.add(timer);
    });
  }

  private replace(slot: Slot): void {
    if (this.stopping) return;
    const worker = spawnWorker(this.port);
    slot.worker = worker;
    slot.startedAt = Date.now();
    this.watch(slot, worker);
    allListening([worker]).then(
      () => this.log(`worker ${worker.pid} listening (replacement)`),
      (error: unknown) => {
        if (this.stopping) return;
        this.log(error instanceof Error ? error.message : String(error));
        if (running(worker)) worker.kill("SIGKILL"); // its exit schedules the next try
      },
    );
  }

  /** The graceful stop: no more restarts; signals every worker and resolves once all have exited. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    this.kill(signal);
    await Promise.all(this.slots.map((slot) => slot.worker.exited));
  }

  /** No more restarts; sends `signal` to every worker still running. */
  kill(signal: NodeJS.Signals): void {
    this.stopping = true;
    for (const timer of this.pendingRestarts) clearTimeout(timer);
    this.pendingRestarts.clear();
    for (const slot of this.slots) if (running(slot.worker)) slot.worker.kill(signal);
  }
}

/** In a worker: shut down when the first process goes away (standard input ends). */
export function onParentGone(action: () => void): void {
  process.stdin.on("end", action);
  process.stdin.on("error", action);
  process.stdin.resume();
}
