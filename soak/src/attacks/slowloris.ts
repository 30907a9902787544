/**
 * Slowloris: `connections` connections, each sending "What is your name?" one byte at a time, a
 * byte every `byteEveryMs` (each connection at its own phase), for the duration. A byte every few
 * seconds keeps each one active for the idle timeout, so the server must hold them all; every
 * question completed this way must still be answered, and checked here.
 */

import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type AttackFigures, type AttackTarget, openMany, type Ready, resetAll } from "./common.js";

export interface SlowlorisParams {
  readonly connections: number;
  readonly durationMs: number;
  readonly byteEveryMs: number;
}

const QUESTION = Buffer.from("What is your name?");
const ANSWER = Buffer.from("My name is Sir Lancelot of Camelot.");
const TICK_MS = 50;

interface Trickle {
  readonly socket: Socket;
  sent: number;
  received: number;
  wrong: boolean;
  closedByServer: boolean;
}

function watch(socket: Socket): Trickle {
  const trickle: Trickle = { socket, sent: 0, received: 0, wrong: false, closedByServer: false };
  socket.on("data", (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== ANSWER[(trickle.received + i) % ANSWER.length]) trickle.wrong = true;
    }
    trickle.received += chunk.length;
  });
  socket.once("close", () => {
    trickle.closedByServer = true;
  });
  return trickle;
}

export async function slowloris(
  target: AttackTarget,
  params: SlowlorisParams,
  ready: Ready,
): Promise<AttackFigures> {
  const sockets = await openMany(target, params.connections, 64);
  const trickles = sockets.map(watch);
  ready();
  const started = Date.now();
  // Connection i sends its k-th byte at started + phase_i + k * byteEveryMs.
  const phase = trickles.map((_, i) => (i * params.byteEveryMs) / Math.max(1, trickles.length));
  while (Date.now() - started < params.durationMs) {
    const now = Date.now() - started;
    trickles.forEach((t, i) => {
      const due = Math.floor((now - (phase[i] as number)) / params.byteEveryMs) + 1;
      while (!t.closedByServer && t.sent < due) {
        t.socket.write(QUESTION.subarray(t.sent % QUESTION.length, (t.sent % QUESTION.length) + 1));
        t.sent++;
      }
    });
    await sleep(TICK_MS);
  }
  await sleep(1000); // the last completed questions' answers
  const figures = {
    opened: sockets.length,
    heldAtEnd: trickles.filter((t) => !t.closedByServer).length,
    closedByServer: trickles.filter((t) => t.closedByServer).length,
    bytesTrickled: trickles.reduce((n, t) => n + t.sent, 0),
    questionsCompleted: trickles.reduce((n, t) => n + Math.floor(t.sent / QUESTION.length), 0),
    answers: trickles.reduce((n, t) => n + Math.floor(t.received / ANSWER.length), 0),
    wrong: trickles.filter((t) => t.wrong).length,
  };
  resetAll(sockets);
  return figures;
}
