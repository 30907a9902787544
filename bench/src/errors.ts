/** Typed errors of the benchmark tool: a stable code for programs, one line for people. */
export class BenchError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

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
