/**
 * The coarse waits of a run, scaled with the target's measured round trip (spec section 14):
 * progress wait max(--timeout, 50 x RTT), quiet floor max(2 s, 20 x RTT).
 */
import { TargetUnreachableError } from "../errors.js";
import type { AnswerBook } from "../model.js";
import { measureRoundTrip, sanityCheck } from "../sanity.js";
import type { LaunchedTarget } from "../target.js";

export interface Waits {
  readonly rttMs: number;
  /** No byte for this long means "no answer". */
  readonly waitMs: number;
  /** A coarse floor for "nothing should happen within" checks. */
  readonly floorMs: number;
  /** A pause long enough that the server really reads a partial question. */
  readonly pauseMs: number;
}

export const WAITS_RULE = "progress wait = max(--timeout, 50 x RTT); quiet floor = max(2 s, 20 x RTT)";

/** Checks the target answers at all (else a setup error), then measures its round trip. */
export async function measureWaits(
  target: LaunchedTarget,
  targetText: string,
  book: AnswerBook,
  baseWaitMs: number,
): Promise<Waits> {
  const first = await sanityCheck(target.host, target.port, book, baseWaitMs);
  if (first.state === "refused") {
    throw new TargetUnreachableError(
      `target ${targetText} at ${target.host}:${target.port} refuses connections: ${first.detail}`,
    );
  }
  const rtt = (await measureRoundTrip(target.host, target.port, book, baseWaitMs)) ?? baseWaitMs / 10;
  return {
    rttMs: Math.round(rtt * 100) / 100,
    waitMs: Math.max(baseWaitMs, Math.ceil(50 * rtt)),
    floorMs: Math.max(2000, Math.ceil(20 * rtt)),
    pauseMs: Math.min(50, Math.max(5, Math.ceil(2 * rtt))),
  };
}
