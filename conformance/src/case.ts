/** What a conformance case is: a stable id, the rules it checks, and a property or a scenario. */
import type * as fc from "fast-check";
import type { ClientPool } from "./client.js";
import type { AnswerBook } from "./model.js";
import type { LaunchedTarget } from "./target.js";
import type { CaseNote } from "./verdicts.js";
import type { WireLog } from "./wirelog.js";

/**
 * The limits the target runs with, as the suite may count on them (spec section 14): a limit the
 * user declared (or the suite set on our servers' command line), else null, judged where every
 * conforming setting agrees: at the floor, or at the ceiling when the run is asked to.
 */
export interface TargetLimits {
  /** Q as the oracle applies it: declared, else the ceiling (every server has acted by 65537 bytes). */
  readonly maxQuestion: number;
  /** The longest question a case may ask expecting an answer: declared Q, else the floor (1024). */
  readonly answeredQuestion: number;
  /** Whether Q was declared (else the too-long reply may come anywhere from 1025 bytes on). */
  readonly questionDeclared: boolean;
  /** I, when declared: IDLE-2 is judged at it. Null: IDLE-1 and IDLE-3 at the floor, IDLE-2 not judged. */
  readonly idleTimeoutSec: number | null;
  /** C, when declared: CONN-2 is judged at it. Null: CONN-1 at 128, CONN-2 not judged. */
  readonly maxConnections: number | null;
  /** D, when declared. Null: SHUTDOWN-1 is judged at the ceiling of 30 s. */
  readonly shutdownTimeoutSec: number | null;
  /** Where undeclared limits are probed: "floor", or also "ceiling" (IDLE-2 at 600 s). */
  readonly probe: "floor" | "ceiling";
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
  /** Whether the target answered an unknown question asked before the cases (false: replies to unknown questions are not to be counted on). */
  readonly unknownAnswered: boolean;
  /** Whether the first table question, asked alone before the cases, got its answer (false: it answers wrongly, not only out of order). */
  readonly tableAnswered: boolean;
  /** Descriptors for the instance `launchLimited` starts (--fd-limit, default 128). */
  readonly fdLimit: number;
  /** Starts another instance of a launched target with at most `fdLimit` descriptors (the caller stops it). */
  launchLimited(): Promise<LaunchedTarget>;
  /** Starts another instance of a launched target, as the run launched it (the caller stops it). */
  launchInstance(): Promise<LaunchedTarget>;
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
  /**
   * How the runner schedules it: "background" cases mostly wait (idle timeouts) or work for seconds
   * on their own connection or instance, and run beside the others; "quiet" ones (CPU, descriptors, memory, connection counts)
   * need the server to themselves and run after every background case ended. Default: in turn.
   */
  readonly schedule?: "background" | "quiet";
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
