/**
 * The run's lane of cases in turn. A case holds the lane while it works; it lets go once it only
 * waits (a reply missing past the stall wait, or its property shrinking a failure), and the next
 * case starts beside it. A correct server never makes a case let go: its replies come at once.
 */

import type { Waits } from "./waits.js";

/** One case's hold on the lane: released at most once, with the reason and when. */
export class LaneHold {
  private reason: string | undefined;
  private readonly startedAt = performance.now();
  private let: () => void = () => {};
  /** Resolves when the case lets go of the lane. */
  readonly released: Promise<void> = new Promise((resolve) => {
    this.let = resolve;
  });

  /** Lets the next case start; `why` says what this one is waiting for. */
  release(why: string): void {
    if (this.reason !== undefined) return;
    this.reason = `${why}, ${((performance.now() - this.startedAt) / 1000).toFixed(1)} s into the case`;
    this.let();
  }

  /** Why and when the case let go, if it did. */
  get releasedBecause(): string | undefined {
    return this.reason;
  }
}

/** How long a progress wait goes without a byte before its case lets go: max(1 s, 20 x RTT). */
export function stallMsFor(rttMs: number): number {
  return Math.max(1000, Math.ceil(20 * rttMs));
}

/** What a pool's clients need to let go of the lane when a progress wait stalls. */
export interface StallWatch {
  /** Waits at least this long are progress waits (for a reply owed), not quiet floors. */
  readonly progressWaitMs: number;
  /** No byte for this long in a progress wait: the case lets go. */
  readonly stallMs: number;
  readonly hold: LaneHold;
}

/** The watch a case's clients (and its sanity checks) carry, when the case holds the lane. */
export function stallWatchFor(hold: LaneHold | undefined, waits: Waits): StallWatch | undefined {
  return hold && { progressWaitMs: waits.waitMs, stallMs: stallMsFor(waits.rttMs), hold };
}
