/**
 * Bounded waits. The timer is deliberately ref'd: while the suite waits on something, the timer
 * holds the process alive, so a run can never end early because the thing it waits on is gone
 * (a target that died leaves no handle behind). It is cleared as soon as the promise settles.
 */

/** The promise's value, or null once `ms` passed first. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
