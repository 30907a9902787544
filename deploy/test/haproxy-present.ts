/**
 * Whether the tests that run HAProxy can run here: they skip with a one-line reason where it is
 * not installed, and never in CI (`CI=true`, where .ci/run installs it): there its absence fails.
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
