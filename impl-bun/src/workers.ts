/**
 * --workers N: N processes share one port with SO_REUSEPORT. The first process binds (with
 * --port 0 the kernel picks the port) and serves too; it starts N - 1 copies of itself with
 * WORKER_PORT_ENV naming that port, and `start` resolves once each printed its `listening on` line
 * (the main then prints the one line of the whole server). A worker's standard input is a pipe
 * from the first process: its end (the first process died) makes the worker stop (main.ts), so
 * none is left behind. A worker that dies while the server runs is replaced, as Node's cluster
 * does, after its slot's RestartBackoff (PendingRestarts): a plain SO_REUSEPORT group does not do
 * this by itself, a dead process just leaves the group. `stop` passes the signal on and resolves
 * once every worker has exited.
 */
import {
  awaitWorkersStopped,
  PendingRestarts,
  RestartBackoff,
  type ShutdownSignal,
  type Supervisor,
  WorkerError,
  type WorkerSlot,
} from "@bridgekeeper/server-kit";
import type { ServerLimits } from "@bridgekeeper/spec";
import type { Subprocess } from "bun";

export const WORKER_PORT_ENV = "LAUNCELOT_BUN_WORKER_PORT";
const STARTUP_TIMEOUT_MS = 30_000;

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
interface Slot extends WorkerSlot {
  worker: Worker;
}

export class WorkerSupervisor implements Supervisor {
  private readonly slots: Slot[] = [];
  private readonly restarts: PendingRestarts;
  private stopping = false;
  private exitCode = 0;

  constructor(
    private readonly port: number,
    private readonly limits: ServerLimits,
    private readonly log: (line: string) => void,
  ) {
    this.restarts = new PendingRestarts(log);
  }

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
      this.kill();
      throw error;
    }
    for (const slot of this.slots) this.watch(slot, slot.worker);
  }

  /** The process ids of the workers running now. */
  pids(): number[] {
    return this.slots.filter((slot) => running(slot.worker)).map((slot) => slot.worker.pid);
  }

  async stop(signal: ShutdownSignal): Promise<number> {
    this.stopping = true;
    this.restarts.cancel();
    for (const slot of this.slots) if (running(slot.worker)) slot.worker.kill(signal);
    const exited = Promise.all(this.slots.map((slot) => this.exitOf(slot.worker)));
    await awaitWorkersStopped(exited, this.limits.shutdownTimeoutMs, this.log, () => this.kill());
    return this.exitCode;
  }

  kill(): void {
    this.stopping = true;
    this.restarts.cancel();
    for (const slot of this.slots) if (running(slot.worker)) slot.worker.kill("SIGKILL");
  }

  /** A worker's exit while stopping: a non-zero code is the server's exit code. */
  private async exitOf(worker: Worker): Promise<void> {
    const code = await worker.exited;
    if (code !== 0 && worker.signalCode === null) this.exitCode = code;
  }

  private watch(slot: Slot, worker: Worker): void {
    void worker.exited.then((code) => {
      if (this.stopping || slot.worker !== worker) return;
      this.restarts.schedule(slot, worker.pid, `${worker.signalCode ?? code}`, () => this.replace(slot));
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
}

/** In a worker: shut down when the first process goes away (standard input ends). */
export function onParentGone(action: () => void): void {
  process.stdin.on("end", action);
  process.stdin.on("error", action);
  process.stdin.resume();
}
