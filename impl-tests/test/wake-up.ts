/**
 * A wake-up for tests that wait on arriving data: `sleep(ms)` resolves at the timeout or at the next
 * `wake()`, whichever comes first. The line reader, the byte collector and the stream checker share it.
 */
export class WakeUp {
  private waiters: Array<() => void> = [];

  /** Wakes every waiter now. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves after `ms`, or earlier at the next wake(). */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
