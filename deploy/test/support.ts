/**
 * Test support. Whether the tests that run HAProxy can run here: they skip with a one-line reason
 * where it is not installed, and never in CI (`CI=true`, where .ci/run installs it): there its
 * absence fails. And whether a process still exists.
 */
import { findHaproxy } from "../src/haproxy-process.js";

export const haproxyBinary: string | null = findHaproxy();

export const skipReason: string | null =
  haproxyBinary === null ? "haproxy is not installed (apt-get install haproxy)" : null;

if (skipReason !== null && process.env.CI === "true") {
  throw new Error(`CI=true but ${skipReason}: .ci/run installs it`);
}

/** The title of a suite that needs HAProxy, with the reason when it is skipped. */
export function needsHaproxy(title: string): string {
  return skipReason === null ? title : `${title} (skipped: ${skipReason})`;
}

/** Whether a process exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
