/**
 * The idle clock of a server: one tick rule and one linger rule for both servers, with two timers
 * for all connections (none per connection, no clock read on the hot path).
 *
 * Idle (IDLE-1..3). A sweep runs every `periodMs` = I / 10, clamped to 50..1000 ms, while any
 * connection is open. Each sweep adds one to every connection's `quietTicks`; progress (a byte
 * received, a byte of held output taken by the kernel) sets it back to 0, one store. A connection
 * is closed as idle once it has sat through `limitTicks` = ceil(I / period) + 1 sweeps. Why that
 * many: progress at time t comes after sweep k; sweeps are at least one period apart, so sweep
 * k + n runs at t + (n - 1) P or later, and with n - 1 >= I / P the connection has been quiet at
 * least I (never early); it is closed at most about two periods late (IDLE-2).
 *
 * Linger. After a connection's last byte, when the client has not sent its FIN (after the too-long
 * reply of LIMIT-QUESTION-2, or in a graceful shutdown), the server shuts its write side (FIN) and
 * reads and drops input until the client's FIN: closing with unread input makes the kernel reset
 * the connection, which can destroy replies the client has not read yet. A client that never sends
 * its FIN is closed LINGER_MS after our last byte left, whatever it sends meanwhile. Lingering
 * connections are not judged idle. The lingers wait in order of their start (all last LINGER_MS),
 * so one timer, set for the oldest, serves them all.
 */

/** How long a connection lingers for the client's FIN after our last byte left. */
export const LINGER_MS = 2000;

/** The sweep period for an idle timeout I: I / 10, clamped to 50..1000 ms. */
export function tickPeriodMs(idleTimeoutMs: number): number {
  return Math.min(1000, Math.max(50, Math.floor(idleTimeoutMs / 10)));
}

/** Quiet sweeps after which a connection is idle: ceil(I / period) + 1, never before I. */
export function idleLimitTicks(
  idleTimeoutMs: number,
  periodMs: number = tickPeriodMs(idleTimeoutMs),
): number {
  return Math.ceil(idleTimeoutMs / periodMs) + 1;
}

/** What the clock needs of a connection. */
export interface ClockedConnection {
  /** Sweeps since the connection last made progress; the connection sets it to 0 on progress. */
  quietTicks: number;
  /** Our last byte left and we wait for the client's FIN: the idle rule no longer applies. */
  readonly lingering: boolean;
  /** Quiet for the idle timeout: close it (IDLE-2). */
  closeIdle(): void;
  /** The linger ran out: close it at once (does nothing once it is closed). */
  closeNow(): void;
}

interface Linger<T> {
  readonly connection: T;
  readonly until: number;
}

export class IdleClock<T extends ClockedConnection> {
  readonly periodMs: number;
  readonly limitTicks: number;
  private sweepTimer: ReturnType<typeof setInterval> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  /** Lingering connections, oldest first. */
  private lingers: Linger<T>[] = [];

  constructor(
    idleTimeoutMs: number,
    /** The open connections, swept in place. */
    private readonly connections: ReadonlySet<T>,
    /** Called for each connection at each sweep before its check (Node notes its output progress there). */
    private readonly observe?: (connection: T) => void,
  ) {
    this.periodMs = tickPeriodMs(idleTimeoutMs);
    this.limitTicks = idleLimitTicks(idleTimeoutMs, this.periodMs);
  }

  /** A connection opened: the sweep runs while any is open (an empty server spends nothing on it). */
  start(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = setInterval(() => this.sweep(), this.periodMs);
    this.sweepTimer.unref?.();
  }

  /** `connection`'s last byte left now and the client has not sent its FIN: close it LINGER_MS from now. */
  linger(connection: T): void {
    this.lingers.push({ connection, until: performance.now() + LINGER_MS });
    if (this.lingerTimer === undefined) this.armLinger();
  }

  stop(): void {
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.lingers = [];
  }

  private sweep(): void {
    if (this.connections.size === 0) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = undefined;
      return;
    }
    const limit = this.limitTicks;
    let idle: T[] | undefined;
    for (const connection of this.connections) {
      if (connection.lingering) continue;
      this.observe?.(connection);
      if (++connection.quietTicks < limit) continue;
      idle ??= [];
      idle.push(connection);
    }
    if (idle !== undefined) for (const connection of idle) connection.closeIdle();
  }

  private armLinger(): void {
    const first = this.lingers[0];
    if (first === undefined) return;
    const wait = Math.max(0, first.until - performance.now());
    this.lingerTimer = setTimeout(() => this.endLingers(), Math.ceil(wait));
    this.lingerTimer.unref?.();
  }

  private endLingers(): void {
    this.lingerTimer = undefined;
    const now = performance.now();
    let ended = 0;
    while (ended < this.lingers.length && (this.lingers[ended] as Linger<T>).until <= now) ended++;
    const due = this.lingers.splice(0, ended);
    for (const { connection } of due) connection.closeNow();
    this.armLinger();
  }
}
