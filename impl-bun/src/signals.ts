/**
 * SIGINT/SIGTERM: the first starts a graceful shutdown; a second one at least a second later
 * exits at once (130 for SIGINT, 143 for SIGTERM); one within a second is ignored, since `npm run`
 * and a terminal's process group can deliver one Ctrl-C twice.
 */
export type ShutdownSignal = "SIGINT" | "SIGTERM";

export const REPEAT_WINDOW_MS = 1000;

export function exitCodeFor(signal: ShutdownSignal): number {
  return signal === "SIGINT" ? 130 : 143;
}

export interface SignalActions {
  /** The first signal: shut down gracefully (and exit 0 when done). */
  graceful(signal: ShutdownSignal): void;
  /** A repeated signal past the window: stop at once. */
  immediate(signal: ShutdownSignal): void;
  log(line: string): void;
}

export function handleShutdownSignals(actions: SignalActions): void {
  let first: number | undefined;
  const onSignal = (signal: ShutdownSignal): void => {
    const now = Date.now();
    if (first === undefined) {
      first = now;
      actions.log(
        `${signal}: shutting down gracefully (again after ${REPEAT_WINDOW_MS / 1000} s to stop at once)`,
      );
      actions.graceful(signal);
    } else if (now - first >= REPEAT_WINDOW_MS) {
      actions.log(`${signal} again: stopping at once`);
      actions.immediate(signal);
    }
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
}
