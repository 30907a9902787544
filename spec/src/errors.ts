/**
 * Errors with stable codes: one line for people, a code for programs. Every error class of the
 * project extends BridgekeeperError, and every code it can carry is in ErrorCode, so a program can
 * branch on `error.code` (or `instanceof`) and a command prints `message [code]` and exits.
 */
export type ErrorCode =
  /** A bad flag, flag value or option (every command: exit 2). */
  | "E_USAGE"
  /** A question table file that breaks a TABLE-* rule or is not a valid table document. */
  | "E_TABLE_INVALID"
  /** A limit outside the floor and ceiling the spec allows. */
  | "E_LIMIT_INVALID"
  /** A server that cannot listen on its address. */
  | "E_LISTEN"
  /** A server's worker process that failed to start. */
  | "E_WORKER"
  /** Conformance: a launched target that never listened, exited early, or refuses connections. */
  | "E_TARGET_NOT_LISTENING"
  | "E_TARGET_EXITED"
  | "E_TARGET_UNREACHABLE"
  /** Conformance: a replay string or failure file, or an expect file, that cannot be read. */
  | "E_REPLAY_INVALID"
  | "E_EXPECT_INVALID"
  /** Conformance: how a case ends when it does not pass (verdicts, not failures of the suite). */
  | "E_RULE_VIOLATED"
  | "E_NOT_APPLICABLE"
  | "E_INCONCLUSIVE"
  /** Deploy: HAProxy missing, refusing its configuration, short of descriptors; a cluster that did not come up; a stats socket that did not answer. */
  | "E_HAPROXY_MISSING"
  | "E_HAPROXY_START"
  | "E_FD_LIMIT"
  | "E_CLUSTER_START"
  | "E_STATS_SOCKET"
  /** Soak: a scenario could not run (a server did not start, the suite failed, a worker died). */
  | "E_SOAK_RUN"
  /** Bench: the load generator failed, or a target died during a measurement. */
  | "E_BENCH_LOAD"
  | "E_BENCH_TARGET_EXITED";

export class BridgekeeperError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad flag or flag value, in any of the project's commands, or a bad option of a library call. */
export class UsageError extends BridgekeeperError {
  constructor(message: string) {
    super("E_USAGE", message);
  }
}

/** A question table file that breaks a TABLE-* rule or is not a valid table document. */
export class TableError extends BridgekeeperError {
  readonly file: string;
  readonly rule: string | undefined;
  constructor(file: string, message: string, rule?: string) {
    super("E_TABLE_INVALID", `${file}: ${rule ? `${rule}: ` : ""}${message}`);
    this.file = file;
    this.rule = rule;
  }
}

/** A limit value outside the floor and ceiling that the spec allows, or not a number. */
export class LimitError extends BridgekeeperError {
  constructor(message: string) {
    super("E_LIMIT_INVALID", message);
  }
}

/** The first line of an error's message (or of anything thrown), for one-line reports. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0] ?? text;
}
