/**
 * Connection flood: `lanes` connects in flight at all times, as fast as the generator can, for the
 * duration; every connection made is held (silent) for `holdMs`, then reset, so the server is
 * pushed past its limit C the whole time. A connection the server closes within a second of its
 * connect, before we did, counts as refused at once (CONN-2).
 */
import type { Socket } from "node:net";
import { type AttackFigures, type AttackTarget, open, type Ready, resetAll } from "./common.js";

export interface FloodParams {
  readonly durationMs: number;
  readonly lanes: number;
  readonly holdMs: number;
}

export async function flood(target: AttackTarget, params: FloodParams, ready: Ready): Promise<AttackFigures> {
  const figures = {
    attempts: 0,
    connects: 0,
    connectFailures: 0,
    refusedAtOnce: 0,
    closedLater: 0,
    heldPeak: 0,
  };
  const held = new Set<Socket>();
  let over = false;
  const started = Date.now();
  const deadline = started + params.durationMs;
  ready();
  const lane = async (): Promise<void> => {
    while (Date.now() < deadline) {
      figures.attempts++;
      const socket = await open(target);
      if (socket === undefined) {
        figures.connectFailures++;
        continue;
      }
      figures.connects++;
      const connectedAt = Date.now();
      let ours = false;
      held.add(socket);
      if (held.size > figures.heldPeak) figures.heldPeak = held.size;
      const hold = setTimeout(() => {
        ours = true;
        resetAll([socket]);
      }, params.holdMs);
      socket.once("close", () => {
        clearTimeout(hold);
        held.delete(socket);
        if (ours || over) return;
        if (Date.now() - connectedAt < 1000) figures.refusedAtOnce++;
        else figures.closedLater++;
      });
    }
  };
  await Promise.all(Array.from({ length: params.lanes }, lane));
  const elapsedMs = Date.now() - started;
  over = true;
  resetAll(held);
  return { ...figures, elapsedMs, connectsPerSecond: (figures.connects * 1000) / elapsedMs };
}
