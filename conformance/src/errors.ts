import { BridgekeeperError } from "@bridgekeeper/spec";

/**
 * The suite's typed errors: the project's BridgekeeperError (a stable code for programs, one line
 * for people), under one class so callers can tell the suite's own failures apart.
 */
export class ConformanceError extends BridgekeeperError {}

/** A launched target that never started listening within its start timeout. */
export class TargetNotListeningError extends ConformanceError {
  readonly outputTail: string;
  constructor(message: string, outputTail: string) {
    super("E_TARGET_NOT_LISTENING", message);
    this.outputTail = outputTail;
  }
}

/** A launched target whose process exited before or while it was needed. */
export class TargetExitedError extends ConformanceError {
  readonly outputTail: string;
  constructor(message: string, outputTail: string) {
    super("E_TARGET_EXITED", message);
    this.outputTail = outputTail;
  }
}

/** An address target that refuses connections or never answers the sanity question. */
export class TargetUnreachableError extends ConformanceError {
  constructor(message: string) {
    super("E_TARGET_UNREACHABLE", message);
  }
}

/** A replay string or failure file that cannot be read. */
export class ReplayError extends ConformanceError {
  constructor(message: string) {
    super("E_REPLAY_INVALID", message);
  }
}

/** An expect (baseline) file that cannot be read. */
export class ExpectFileError extends ConformanceError {
  constructor(message: string) {
    super("E_EXPECT_INVALID", message);
  }
}
