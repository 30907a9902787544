/**
 * Starts an attack in a child process of its own (attack-worker.ts), so the good clients' round
 * trips in this process are not held up by the attacker's callbacks; hands back when the attack
 * is in full swing and its figures. A process, not a worker thread: tearing down a Node worker
 * that has opened tens of thousands of sockets spun a core for many seconds (Node 20.20), while
 * a process that exits is cleaned up by the kernel at once.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AttackFigures, AttackTarget } from "./attacks/common.js";
import type { FloodParams } from "./attacks/flood.js";
import type { NonReaderParams } from "./attacks/non-readers.js";
import type { ResetStormParams } from "./attacks/reset-storm.js";
import type { SlowlorisParams } from "./attacks/slowloris.js";
import { SoakRunError } from "./errors.js";

export type AttackRequest = { readonly target: AttackTarget } & (
  | { readonly attack: "flood"; readonly flood: FloodParams }
  | { readonly attack: "slowloris"; readonly slowloris: SlowlorisParams }
  | { readonly attack: "non-readers"; readonly nonReaders: NonReaderParams }
  | { readonly attack: "reset-storm"; readonly resetStorm: ResetStormParams }
);

export interface AttackMessage {
  readonly type: "ready" | "done";
  readonly figures?: AttackFigures;
}

export interface RunningAttack {
  /** Resolves when the attack is in full swing. */
  readonly ready: Promise<void>;
  /** Resolves with the attack's figures once it is over and its connections are gone. */
  readonly done: Promise<AttackFigures>;
}

const workerPath = fileURLToPath(new URL("./attack-worker.js", import.meta.url));

export function startAttack(request: AttackRequest): RunningAttack {
  const child = fork(workerPath, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let markReady: () => void = () => undefined;
  let failReady: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    failReady = reject;
  });
  ready.catch(() => undefined); // the same failure rejects `done`, which the caller awaits
  const done = new Promise<AttackFigures>((resolve, reject) => {
    let figures: AttackFigures | undefined;
    child.on("message", (message: AttackMessage) => {
      if (message.type === "ready") markReady();
      if (message.type === "done") figures = message.figures;
    });
    child.once("exit", (code, signal) => {
      if (figures !== undefined) {
        markReady();
        resolve(figures);
        return;
      }
      const error = new SoakRunError(
        `${request.attack}: the attack process exited (${signal ?? code}) without figures`,
      );
      failReady(error);
      reject(error);
    });
  });
  child.send(request);
  return { ready, done };
}
