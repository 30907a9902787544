/**
 * Idle handling (IDLE-1/2/3) with one coarse timer per server instead of one per connection.
 *
 * Every sweep adds one to each connection's `idleTicks`; any progress (a byte received, a byte of
 * held output taken by the kernel) sets it back to 0, which costs the hot path a single store. A
 * connection is closed once it has sat through more than ceil(I / tick) + 1 sweeps, so it is never
 * closed before I (sweeps are at least `tick` apart) and at the latest about I + 2 ticks. Bun's own
 * `timeout()` is not used: it fires in coarse steps and does not close. The timer only runs while
 * connections exist, so an empty server spends no CPU on it.
 *
 * The same sweep ends lingering: a connection whose write side we shut down (after the too-long
 * reply, or in a graceful shutdown) is read and drained until the client's FIN, but at most about
 * LINGER_TICKS quiet sweeps, so a client that never closes its side does not hold it for I.
 */
import type { ConnectionState, LauncelotSocket } from "./connection-state.js";

export const IDLE_TICK_MS = 1000;
/** Quiet sweeps a half-closed connection lingers before it is closed (2 to 3 s). */
export const LINGER_TICKS = 2;

export class IdleSweeper {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly limitTicks: number;

  constructor(
    idleTimeoutMs: number,
    private readonly connections: Set<LauncelotSocket>,
    private readonly onIdle: (socket: LauncelotSocket, state: ConnectionState) => void,
    private readonly onLingered: (socket: LauncelotSocket, state: ConnectionState) => void,
  ) {
    this.limitTicks = Math.ceil(idleTimeoutMs / IDLE_TICK_MS) + 1;
  }

  /** Called when a connection opens: make sure the timer runs. */
  ensureRunning(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.sweep(), IDLE_TICK_MS);
  }

  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    if (this.connections.size === 0) {
      this.stop();
      return;
    }
    const limit = this.limitTicks;
    for (const socket of this.connections) {
      const state = socket.data;
      const ticks = ++state.idleTicks;
      if (state.closing) continue;
      if (state.halfClosed) {
        if (ticks > LINGER_TICKS) this.onLingered(socket, state);
      } else if (ticks > limit) {
        this.onIdle(socket, state);
      }
    }
  }
}
