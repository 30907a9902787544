/**
 * Mass non-readers: `clients` connections, each writing `burstBytes` of pipelined questions and
 * never reading a byte, held for `holdMs`. The server must stop reading each once it holds H of
 * output for it (FLOW-2), so its memory stays within clients x (Q + H + one read). The burst is
 * bounded so that the kernel's own socket buffers (not the server's memory) stay a few hundred
 * MiB in all on a shared machine: see RELIABILITY.md for what that means for the figures.
 */

import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type AttackFigures, type AttackTarget, openMany, type Ready, resetAll } from "./common.js";

export interface NonReaderParams {
  readonly clients: number;
  readonly burstBytes: number;
  readonly holdMs: number;
}

const QUESTIONS = ["What is your name?", "What is your quest?", "What is your favorite color?", "Why?"];

function burst(bytes: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const q = QUESTIONS[i % QUESTIONS.length] as string;
    parts.push(q);
    size += q.length;
  }
  return Buffer.from(parts.join(""));
}

export async function nonReaders(
  target: AttackTarget,
  params: NonReaderParams,
  ready: Ready,
): Promise<AttackFigures> {
  const payload = burst(params.burstBytes);
  let closedByServer = 0;
  const sockets = await openMany(target, params.clients, 64, (socket: Socket) => {
    socket.pause(); // never read: what the server sends stays in the kernel's buffers
    socket.once("close", () => closedByServer++);
  });
  for (const socket of sockets) socket.write(payload);
  await sleep(1000);
  ready();
  await sleep(params.holdMs);
  const unsent = sockets.reduce((n, s) => n + s.writableLength, 0);
  const figures = {
    connected: sockets.length,
    failed: params.clients - sockets.length,
    bytesPushed: sockets.length * payload.length,
    bytesNotTakenByKernel: unsent,
    closedByServer,
  };
  resetAll(sockets);
  return figures;
}
