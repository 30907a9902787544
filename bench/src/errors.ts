import { BridgekeeperError } from "@bridgekeeper/spec";

/** Typed errors of the benchmark tool: the project's BridgekeeperError (stable code, one line). */
export class BenchError extends BridgekeeperError {}

/** A bad flag or flag value; the CLI prints it on one line and exits with status 2. */
export class BenchUsageError extends BenchError {
  constructor(message: string) {
    super("E_BENCH_USAGE", message);
  }
}

/** The load generator could not connect, or its workers failed or did not report in time. */
export class LoadGeneratorError extends BenchError {
  constructor(message: string) {
    super("E_BENCH_LOAD", message);
  }
}
