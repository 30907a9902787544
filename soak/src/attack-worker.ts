/**
 * The entry of an attack's child process (attack-process.ts): takes one request over IPC, runs the
 * attack on an event loop of its own, sends back "ready" and then its figures, and exits.
 */
import type { AttackMessage, AttackRequest } from "./attack-process.js";
import { runAttack } from "./attacks/index.js";

function send(message: AttackMessage): Promise<void> {
  return new Promise((resolve) => process.send?.(message, undefined, {}, () => resolve()));
}

process.once("message", (request: AttackRequest) => {
  void runAttack(request, () => void send({ type: "ready" })).then(async (figures) => {
    await send({ type: "done", figures });
    process.exit(0);
  });
});
