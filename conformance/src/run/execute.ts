/**
 * Executing one case once: a property through fast-check (shrinking included) or a scenario, each
 * run with its own wire log and clients, every client closed afterwards. What a run throws goes to
 * the judge.
 */
import { firstLine } from "@bridgekeeper/spec";
import type {
  CaseContext,
  ConformanceCase,
  PropertyCase,
  RunEnv,
  ScenarioCase,
  TargetLimits,
} from "../case.js";
import { ClientPool } from "../client.js";
import type { AnswerBook } from "../model.js";
import type { LaunchedTarget } from "../target.js";
import { Inconclusive, Violation } from "../verdicts.js";
import { within } from "../wait.js";
import { WireLog } from "../wirelog.js";
import { type CaseOutcome, judge, violationOutcome } from "./judge.js";
import { type LaneHold, stallWatchFor } from "./lane.js";
import { runProperty } from "./property.js";
import type { ServedAtOnce } from "./served-at-once.js";
import { died, type Session } from "./session.js";
import type { Waits } from "./waits.js";

/**
 * What every execution of a case needs: the target the case talks to (captured when it starts:
 * a case running beside others keeps its target even if another case restarts the server), the
 * table, the limits, the waits.
 */
export interface ExecutionEnv {
  readonly session: Session;
  readonly target: LaunchedTarget;
  readonly book: AnswerBook;
  readonly limits: TargetLimits;
  readonly waits: Waits;
  readonly strict: boolean;
  /** How long a property may spend shrinking a failure (default 15 s). */
  readonly shrinkBudgetMs?: number;
  /** The faults (rule and diagnosis) already shrunk in this run, with the case that shrank each. */
  readonly shrunkFaults?: Map<string, string>;
  /** --fd-limit (default 128). */
  readonly fdLimit: number;
  /** Whether the target answered an unknown question asked before the cases. */
  readonly unknownAnswered: boolean;
  /** Whether the first table question, asked alone before the cases, got its answer. */
  readonly tableAnswered?: boolean;
  /** The case's hold on the lane of cases in turn, let go once the case only waits. */
  readonly hold?: LaneHold;
  /** Set when the run saw, before the cases, that the target serves a bounded number of clients at a time. */
  readonly servedAtOnce?: ServedAtOnce;
}

/**
 * How long a case waits before it concludes that a reply is missing: the progress wait, or the
 * quiet floor once the run has seen, with the full wait, that the target serves a bounded number of
 * clients at a time (spec section 14). The sanity checks around the cases keep the progress wait.
 */
export function missingWaitMs(env: ExecutionEnv): number {
  return env.servedAtOnce ? env.waits.floorMs : env.waits.waitMs;
}

export function contextFor(env: ExecutionEnv): CaseContext {
  const { session } = env;
  const waits = { ...env.waits, waitMs: missingWaitMs(env) };
  const target = env.target;
  return {
    target,
    book: env.book,
    limits: env.limits,
    waitMs: waits.waitMs,
    floorMs: waits.floorMs,
    rttMs: waits.rttMs,
    pauseMs: waits.pauseMs,
    signal: session.signal,
    pool: (log: WireLog) =>
      new ClientPool(
        target.host,
        target.port,
        log,
        Math.max(waits.waitMs, 5000),
        session.signal,
        stallWatchFor(env.hold, waits),
      ),
    fdLimit: env.fdLimit,
    unknownAnswered: env.unknownAnswered,
    tableAnswered: env.tableAnswered ?? true,
    launchLimited: () => session.launchLimited(env.fdLimit),
    launchInstance: () => session.launchInstance(),
  };
}

/** One run of a case's body with a fresh wire log and pool; its transcript goes with what it throws. */
export async function runOnce<T>(body: (run: RunEnv) => Promise<T>, ctx: CaseContext): Promise<T> {
  const { target } = ctx;
  const log = new WireLog();
  const clients = ctx.pool(log);
  try {
    return await body({ log, clients });
  } catch (error) {
    // A socket error may come just before the process exit is reported: give it a moment.
    if (target.launched && !died(target)) await within(target.exited(), 300);
    const transcript = log.render();
    if (error instanceof Violation || error instanceof Inconclusive) {
      error.transcript = transcript;
      error.wire = log.toRecord();
    } else if (died(target)) {
      const wrapped = new Inconclusive(firstLine(error));
      wrapped.transcript = transcript;
      wrapped.wire = log.toRecord();
      throw wrapped;
    }
    throw error;
  } finally {
    clients.dispose();
  }
}

async function runScenario(c: ScenarioCase, env: ExecutionEnv, seed: number): Promise<CaseOutcome> {
  try {
    const ctx = contextFor(env);
    const note = await runOnce((run) => c.run(ctx, run, seed), ctx);
    if (died(env.target) && !c.stopsTarget)
      return judge(new Error("the target died"), env.strict, env.target.exitStatus());
    if (!note) return { verdict: "pass" };
    return {
      verdict: "pass",
      message: note.message,
      ...(note.evidence ? { evidence: note.evidence } : {}),
      ...(note.samples ? { samples: note.samples } : {}),
      ...(note.notJudged && note.notJudged.length > 0 ? { notJudged: [...note.notJudged] } : {}),
    };
  } catch (error) {
    // A case that stops the target judges the exit itself: its violation stands as it is.
    if (c.stopsTarget && error instanceof Violation) return violationOutcome(error, env.strict);
    return judge(error, env.strict, env.target.exitStatus());
  }
}

/** Executes a case once (a property with `runs` runs, or along `path` to replay a counterexample). */
export function executeCase(
  c: ConformanceCase,
  env: ExecutionEnv,
  seed: number,
  runs: number | undefined,
  path?: string,
): Promise<CaseOutcome> {
  if (c.launchedOnly && !env.target.launched) {
    return Promise.resolve({
      verdict: "not-applicable",
      message: "needs a target the suite launches (process evidence, signals)",
    });
  }
  if (c.kind === "property") return runProperty(c as PropertyCase<unknown>, env, seed, runs ?? c.runs, path);
  return runScenario(c, env, seed);
}
