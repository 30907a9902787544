import { BridgekeeperError } from "@bridgekeeper/spec";

/** Typed errors of the soak harness: the project's BridgekeeperError (stable code, one line). */
export class SoakError extends BridgekeeperError {}

/** A scenario could not run: the server did not start, the conformance CLI failed, a worker died. */
export class SoakRunError extends SoakError {
  constructor(message: string) {
    super("E_SOAK_RUN", message);
  }
}
