/** What a conformance case is: a stable id, the rules it checks, and a property or a scenario. */
import type * as fc from "fast-check";
import type { ClientPool } from "./client.js";
import type { AnswerBook } from "./model.js";
import type { LaunchedTarget } from "./target.js";
import type { CaseNote } from "./verdicts.js";
import type { WireLog } from "./wirelog.js";

/** The limits the target runs with (declared by the user or set by the suite when it launches). */
export interface TargetLimits {
  readonly maxQuestion: number;
  readonly idleTimeoutSec: number;
  readonly maxConnections: number;
  /** D, the shutdown deadline, when declared; undeclared, SHUTDOWN-1 is judged at the spec's ceiling. */
  readonly shutdownTimeoutSec?: number;
}

/** Everything a case needs about the target and the run. */
export interface CaseContext {
  readonly target: LaunchedTarget;
  readonly book: AnswerBook;
  readonly limits: TargetLimits;
  /** A coarse progress wait: no byte for this long means "no answer". */
  readonly waitMs: number;
  /** A coarse floor for "nothing should happen within" checks: max(2 s, k x RTT). */
  readonly floorMs: number;
  /** Median round trip of one lock-step question, measured at start. */
  readonly rttMs: number;
  readonly signal: AbortSignal;
  /** Opens a pool of clients recording into `log`. */
  pool(log: WireLog): ClientPool;
  /** A pause long enough that the server really reads a partial question (Nagle is off). */
  readonly pauseMs: number;
}

/** One run's surroundings: its wire log and its clients (closed by the runner afterwards). */
export interface RunEnv {
  readonly log: WireLog;
  readonly clients: ClientPool;
}

interface CaseBase {
  readonly id: string;
  readonly title: string;
  /** The spec section the case belongs to, e.g. "4.2". */
  readonly section: string;
  /** The rules the case checks; a failure names one of them. */
  readonly rules: readonly string[];
  /** Only for targets the suite launched (process evidence, signals). */
  readonly launchedOnly?: boolean;
  /** Runs after every other case (it stops or restarts the target). */
  readonly last?: boolean;
  /** The case ends the target on purpose (shutdown): its exit is judged by the case, not ROBUST-1. */
  readonly stopsTarget?: boolean;
}

export interface PropertyCase<T = unknown> extends CaseBase {
  readonly kind: "property";
  /** Default number of runs; --runs replaces it. */
  readonly runs: number;
  arbitrary(ctx: CaseContext): fc.Arbitrary<T>;
  /** Throws Violation when the target breaks a rule for `value`. */
  check(ctx: CaseContext, value: T, env: RunEnv): Promise<void>;
}

export interface ScenarioCase extends CaseBase {
  readonly kind: "scenario";
  /** Throws Violation, NotApplicable or Inconclusive; may return a note with evidence. */
  run(ctx: CaseContext, env: RunEnv, seed: number): Promise<CaseNote | undefined>;
}

export type ConformanceCase = PropertyCase<never> | ScenarioCase;

/** Erases the value type so cases of every shape live in one list. */
export function property<T>(definition: Omit<PropertyCase<T>, "kind">): ConformanceCase {
  return { kind: "property", ...definition } as unknown as ConformanceCase;
}

export function scenario(definition: Omit<ScenarioCase, "kind">): ConformanceCase {
  return { kind: "scenario", ...definition };
}
