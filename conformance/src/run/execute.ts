/**
 * Executing one case once: a property through fast-check (shrinking included) or a scenario, each
 * run with its own wire log and clients, every client closed afterwards. What a run throws goes to
 * the judge.
 */
import { firstLine } from "@bridgekeeper/spec";
import * as fc from "fast-check";
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
import { Inconclusive, Violation } from "../verdicts.js";
import { within } from "../wait.js";
import { WireLog } from "../wirelog.js";
import { type CaseOutcome, judge, violationOutcome } from "./judge.js";
import type { Session } from "./session.js";
import type { Waits } from "./waits.js";

const PROPERTY_TIME_BUDGET_MS = 90_000;

/** What every execution of a case needs: the target as it is now, the table, the limits, the waits. */
export interface ExecutionEnv {
  readonly session: Session;
  readonly book: AnswerBook;
  readonly limits: TargetLimits;
  readonly waits: Waits;
  readonly strict: boolean;
}

function contextFor(env: ExecutionEnv): CaseContext {
  const { session, waits } = env;
  const target = session.target;
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
      new ClientPool(target.host, target.port, log, Math.max(waits.waitMs, 5000), session.signal),
  };
}

/** One run of a case's body with a fresh wire log and pool; its transcript goes with what it throws. */
async function runOnce<T>(body: (run: RunEnv) => Promise<T>, ctx: CaseContext, session: Session): Promise<T> {
  const log = new WireLog();
  const clients = ctx.pool(log);
  try {
    return await body({ log, clients });
  } catch (error) {
    // A socket error may come just before the process exit is reported: give it a moment.
    if (session.target.launched && !session.died()) await within(session.target.exited(), 300);
    const transcript = log.render();
    if (error instanceof Violation || error instanceof Inconclusive) {
      error.transcript = transcript;
      error.wire = log.toRecord();
    } else if (session.died()) {
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

async function runProperty(
  c: PropertyCase<unknown>,
  env: ExecutionEnv,
  seed: number,
  runs: number,
  path?: string,
): Promise<CaseOutcome> {
  const ctx = contextFor(env);
  const { session } = env;
  let firstDeath: unknown = null;
  const predicate = async (value: unknown): Promise<void> => {
    if (ctx.signal.aborted) throw new Inconclusive("interrupted");
    if (firstDeath !== null) throw firstDeath; // the target is gone: shrinking would only mislead
    try {
      await runOnce((run) => c.check(ctx, value, run), ctx, session);
    } catch (error) {
      if (session.died() && firstDeath === null) firstDeath = error;
      throw error;
    }
  };
  const details = await fc.check(fc.asyncProperty(c.arbitrary(ctx), predicate), {
    seed,
    numRuns: runs,
    ...(path !== undefined ? { path, endOnFailure: true } : {}),
    interruptAfterTimeLimit: PROPERTY_TIME_BUDGET_MS,
    markInterruptAsFailure: false,
  });
  if (!details.failed) {
    const note = details.interrupted
      ? `stopped after ${details.numRuns} runs (time budget ${PROPERTY_TIME_BUDGET_MS / 1000} s)`
      : undefined;
    return { verdict: "pass", runs: details.numRuns, ...(note ? { message: note } : {}) };
  }
  const outcome = judge(firstDeath ?? details.errorInstance, env.strict, session.target.exitStatus());
  return {
    ...outcome,
    runs: details.numRuns,
    ...(firstDeath === null && details.counterexamplePath ? { path: details.counterexamplePath } : {}),
    ...(firstDeath !== null ? { message: `${outcome.message ?? ""} (not shrunk: the target died)` } : {}),
  };
}

async function runScenario(c: ScenarioCase, env: ExecutionEnv, seed: number): Promise<CaseOutcome> {
  const { session } = env;
  try {
    const ctx = contextFor(env);
    const note = await runOnce((run) => c.run(ctx, run, seed), ctx, session);
    if (session.died() && !c.stopsTarget)
      return judge(new Error("the target died"), env.strict, session.target.exitStatus());
    if (!note) return { verdict: "pass" };
    return {
      verdict: "pass",
      message: note.message,
      ...(note.evidence ? { evidence: note.evidence } : {}),
      ...(note.samples ? { samples: note.samples } : {}),
    };
  } catch (error) {
    // A case that stops the target judges the exit itself: its violation stands as it is.
    if (c.stopsTarget && error instanceof Violation) return violationOutcome(error, env.strict);
    return judge(error, env.strict, session.target.exitStatus());
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
  if (c.launchedOnly && !env.session.target.launched) {
    return Promise.resolve({
      verdict: "not-applicable",
      message: "needs a target the suite launches (process evidence, signals)",
    });
  }
  if (c.kind === "property") return runProperty(c as PropertyCase<unknown>, env, seed, runs ?? c.runs, path);
  return runScenario(c, env, seed);
}
