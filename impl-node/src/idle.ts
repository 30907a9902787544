/**
 * Idle tracking for many connections with one timer: a coarse tick counter advanced by a single
 * interval that sweeps every connection. Activity stores the current tick (no clock read on the hot
 * path); a connection is closed once `limitTicks` ticks have passed since its last activity.
 *
 * Why `ceil(I / period) + 1` ticks: activity at time t stores tick k, which began at T_k <= t < T_k+1.
 * Ticks are at least one period apart, so the sweep that sees tick k + n runs at T_k+n >= t + (n-1)P.
 * With n - 1 >= I / P the connection has been idle at least I (IDLE-1: never early); it is closed at
 * most about two periods late (IDLE-2).
 */

export interface IdleTracked {
  /** The tick of the last byte received or the last progress of held output. */
  lastActiveTick: number;
}

export class IdleSweeper<T extends IdleTracked> {
  /** The current tick; connections copy it on activity. */
  tick = 0;
  readonly periodMs: number;
  readonly limitTicks: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    idleTimeoutMs: number,
    private readonly tracked: Iterable<T>,
    /** Called once per sweep for each connection before its idle check (e.g. to observe output progress). */
    private readonly observe: (item: T, tick: number) => void,
    private readonly onIdle: (item: T) => void,
  ) {
    this.periodMs = Math.min(1000, Math.max(50, Math.floor(idleTimeoutMs / 10)));
    this.limitTicks = Math.ceil(idleTimeoutMs / this.periodMs) + 1;
    this.timer = setInterval(() => this.sweep(), this.periodMs);
    this.timer.unref();
  }

  private sweep(): void {
    const tick = ++this.tick;
    const expired: T[] = [];
    for (const item of this.tracked) {
      this.observe(item, tick);
      if (tick - item.lastActiveTick >= this.limitTicks) expired.push(item);
    }
    for (const item of expired) this.onIdle(item);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
