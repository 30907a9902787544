/**
 * Before the cases: does the target serve connections at once? Eight connections are opened and
 * each asks the first table question; a correct server answers every one of them at once. A server
 * that serves a bounded number of clients at a time (one, for an iterative server; a small pool of
 * workers) answers some and leaves the others waiting. When the others are still unanswered after
 * the whole progress wait, and one of them is answered once the answered ones close, the run has
 * seen FAIR-1 broken with the full wait. Its cases then decide that a reply is missing after the
 * quiet floor (spec section 14), so that such a run is not a chain of full waits, each case's
 * connections waiting behind the last case's.
 */
import { WireClient } from "../client.js";
import type { AnswerBook } from "../model.js";
import type { LaunchedTarget } from "../target.js";
import { WireLog } from "../wirelog.js";
import type { Waits } from "./waits.js";

/** Connections the probe holds open at once: a server that serves fewer at a time fails FAIR-1. */
export const HELD_AT_ONCE = 8;

/** What the probe saw of a server that serves a bounded number of clients at a time. */
export interface ServedAtOnce {
  /** Of the connections held open, how many were answered within the progress wait. */
  readonly answered: number;
  readonly held: number;
  /** The wait that was full: no reply on the others for this long (ms). */
  readonly waitedMs: number;
  /** How long after the answered ones closed another one got its first reply (ms). */
  readonly afterCloseMs: number;
}

/** The first of `clients` to get a byte within `waitMs` (no byte on any for that long: null). */
async function firstAnswered(clients: readonly WireClient[], waitMs: number): Promise<WireClient | null> {
  const done = (c: WireClient): Promise<WireClient> =>
    c
      .waitForBytes(1, waitMs)
      .then((outcome) => (outcome === "done" ? c : Promise.reject(new Error(outcome))));
  return Promise.any(clients.map(done)).catch(() => null);
}

/** Whether the target serves every held connection at once; what it did instead when it does not. */
export async function probeServedAtOnce(
  target: LaunchedTarget,
  book: AnswerBook,
  waits: Waits,
): Promise<ServedAtOnce | null> {
  const log = new WireLog();
  const clients: WireClient[] = [];
  try {
    for (let i = 0; i < HELD_AT_ONCE; i++)
      clients.push(await WireClient.open(target.host, target.port, log, waits.waitMs));
    const question = book.questions[0] as Buffer;
    await Promise.all(clients.map((c) => c.send(question)));
    await Promise.all(clients.map((c) => c.waitForBytes(1, waits.waitMs)));
    const answered = clients.filter((c) => c.receivedCount > 0);
    const waiting = clients.filter((c) => c.receivedCount === 0 && !c.ended);
    if (answered.length === 0 || waiting.length === 0) return null;
    for (const c of answered) c.destroy();
    const closedAt = performance.now();
    if (!(await firstAnswered(waiting, waits.waitMs))) return null;
    return {
      answered: answered.length,
      held: HELD_AT_ONCE,
      waitedMs: waits.waitMs,
      afterCloseMs: Math.round(performance.now() - closedAt),
    };
  } catch {
    return null; // a connection refused or reset: not this probe's to judge
  } finally {
    for (const c of clients) c.destroy();
  }
}
