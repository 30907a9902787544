import { BridgekeeperError } from "@bridgekeeper/spec";

/** Typed errors of the benchmark tool: the project's BridgekeeperError (stable code, one line). */
export class BenchError extends BridgekeeperError {}

/** The load generator could not connect, or its workers failed or did not report in time. */
export class LoadGeneratorError extends BenchError {
  constructor(message: string) {
    super("E_BENCH_LOAD", message);
  }
}
