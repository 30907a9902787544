/**
 * When to restart a --workers process that died, in both servers: the first time after
 * RESTART_FIRST_DELAY_MS, doubling each time the replacement dies again within
 * RESTART_RESET_AFTER_MS of its start, up to RESTART_MAX_DELAY_MS; a worker that ran at least
 * RESTART_RESET_AFTER_MS before it died starts over at the first delay. A worker that dies at once,
 * every time, is so restarted at most every 10 s: no fork loop. One RestartBackoff per worker slot.
 */

export const RESTART_FIRST_DELAY_MS = 100;
export const RESTART_MAX_DELAY_MS = 10_000;
export const RESTART_RESET_AFTER_MS = 10_000;

export class RestartBackoff {
  private next = RESTART_FIRST_DELAY_MS;

  /** The wait before starting a replacement for a worker that ran `ranMs` before it died. */
  delayAfter(ranMs: number): number {
    if (ranMs >= RESTART_RESET_AFTER_MS) this.next = RESTART_FIRST_DELAY_MS;
    const delay = this.next;
    this.next = Math.min(RESTART_MAX_DELAY_MS, delay * 2);
    return delay;
  }
}

/** "0.1 s", "10 s": a restart delay as the logs show it. */
export function formatDelay(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
