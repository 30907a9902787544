/**
 * `--workers N`: N processes share one port with SO_REUSEPORT. The first process binds (with
 * `--port 0` the kernel picks the port) and serves too; it starts N - 1 copies of itself with
 * WORKER_PORT_ENV naming that port, waits until each prints its `listening on` line, and only then
 * prints the one line of the whole server. A worker's standard input is a pipe from the first
 * process: its end (the first process died) makes the worker shut down, so none is left behind.
 */
import type { Subprocess } from "bun";

export const WORKER_PORT_ENV = "LAUNCELOT_BUN_WORKER_PORT";
const STARTUP_TIMEOUT_MS = 30_000;

export class WorkerError extends Error {
  readonly code = "E_WORKER";
}

export type Worker = Subprocess<"pipe", "pipe", "inherit">;

/** The port a worker must join, when this process was started as one. */
export function workerPort(): number | undefined {
  const value = process.env[WORKER_PORT_ENV];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
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

/** Starts `count` workers on `port`; resolves once all listen, or kills them all and rejects. */
export async function spawnWorkers(count: number, port: number): Promise<Worker[]> {
  const script = process.argv[1] as string;
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) {
    workers.push(
      Bun.spawn([process.execPath, script, ...process.argv.slice(2)], {
        env: { ...process.env, [WORKER_PORT_ENV]: String(port) },
        stdin: "pipe",
        stdout: "pipe",
        stderr: "inherit",
      }),
    );
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new WorkerError(`workers did not listen within ${STARTUP_TIMEOUT_MS / 1000} s`)),
      STARTUP_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([Promise.all(workers.map(awaitListening)), timeout]);
  } catch (error) {
    for (const worker of workers) worker.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return workers;
}

/** In a worker: shut down when the first process goes away (standard input ends). */
export function onParentGone(action: () => void): void {
  process.stdin.on("end", action);
  process.stdin.on("error", action);
  process.stdin.resume();
}
