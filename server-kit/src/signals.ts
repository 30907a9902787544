/**
 * SIGINT/SIGTERM, the one rule of both servers (every process: a single server, a worker, a
 * primary or supervisor of workers): the first signal starts a graceful shutdown; a second one at
 * least FORCE_AFTER_MS later exits at once (130 for SIGINT, 143 for SIGTERM); a second one sooner
 * is ignored, because `npm run` and a terminal's process group can deliver one Ctrl-C twice and
 * that must not cut a graceful shutdown short.
 */

export const FORCE_AFTER_MS = 1000;

export type ShutdownSignal = "SIGINT" | "SIGTERM";

export type SignalDecision = "shutdown" | "force" | "ignore";

/** What a signal arriving at `now` means, given when the first one came (undefined: none yet). */
export function decideSignal(firstAt: number | undefined, now: number): SignalDecision {
  if (firstAt === undefined) return "shutdown";
  return now - firstAt >= FORCE_AFTER_MS ? "force" : "ignore";
}

export function forcedExitCode(signal: ShutdownSignal): number {
  return signal === "SIGINT" ? 130 : 143;
}

export interface SignalActions {
  shutdown(signal: ShutdownSignal): void;
  force(signal: ShutdownSignal): void;
  log(line: string): void;
}

/** Installs the handlers on this process; returns a function that removes them. */
export function installSignalHandlers(actions: SignalActions, now: () => number = Date.now): () => void {
  let firstAt: number | undefined;
  const handle = (signal: ShutdownSignal): void => {
    const at = now();
    const decision = decideSignal(firstAt, at);
    if (decision === "shutdown") {
      firstAt = at;
      actions.log(`${signal}: shutting down gracefully (a second signal after 1 s exits at once)`);
      actions.shutdown(signal);
    } else if (decision === "force") {
      actions.log(`${signal} again: exiting at once`);
      actions.force(signal);
    } else {
      actions.log(`${signal} within 1 s of the first: ignored`);
    }
  };
  const onInt = (): void => handle("SIGINT");
  const onTerm = (): void => handle("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}
