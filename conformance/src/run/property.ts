/**
 * Running a property through fast-check, shrinking fast and staying on the bug:
 * - once a failure is established (with the full waits), a missing reply is decided after the short
 *   wait, max(1 s, 20 x RTT), instead of the full progress wait;
 * - a shrink step counts only if it fails the same way (the same rule); a candidate that fails
 *   another way is treated as passing, so the shrinker never slips to another bug;
 * - shrinking has a time budget (--shrink-budget, default 15 s): past it every candidate passes at
 *   once, which ends the shrink at the smallest counterexample found so far;
 * - the final counterexample is confirmed with the full waits; if it does not fail the same way,
 *   the first counterexample (found with the full waits) is reported instead;
 * - a fault already shrunk in this run (the same rule and diagnosis, by a case before or beside; every
 *   fault of framing by reads counts as one) is not shrunk again: its first counterexample stands,
 *   and the report names the case that shrank it;
 * - a FAIR-1 failure is not shrunk (FAIR_NOT_SHRUNK says why): its first counterexample stands.
 */
import { firstLine } from "@bridgekeeper/spec";
import * as fc from "fast-check";
import type { CaseContext, PropertyCase } from "../case.js";
import { framesByReads } from "../diagnosis.js";
import { Inconclusive, Violation } from "../verdicts.js";
import { contextFor, type ExecutionEnv, missingWaitMs, runOnce } from "./execute.js";
import { type CaseOutcome, judge } from "./judge.js";
import { stallMsFor } from "./lane.js";
import { died } from "./session.js";

const PROPERTY_TIME_BUDGET_MS = 90_000;
export const DEFAULT_SHRINK_BUDGET_MS = 15_000;

/** What happened while fast-check shrank a failure. */
export interface ShrinkReport {
  readonly ms: number;
  /** Shrink steps that failed the same way (each a smaller counterexample). */
  readonly steps: number;
  /** Candidates run while shrinking. */
  readonly tried: number;
  readonly budgetSpent: boolean;
  /** The final counterexample failed the same way again with the full waits. */
  readonly confirmed: boolean;
}

/** A violation the diagnosis explained: the same fault elsewhere needs no second shrink. */
function diagnosed(error: unknown): boolean {
  return error instanceof Violation && error.diagnosis !== undefined;
}

/** How a failure is told apart from another: the rule it violates (or what else went wrong). */
function signature(error: unknown): string {
  if (!(error instanceof Violation)) return `other: ${firstLine(error)}`;
  return error.diagnosis ? `${error.rule}/${error.diagnosis.id}` : error.rule;
}

/**
 * The fault a failure is claimed under, so that it is shrunk once in a run: its signature, but one
 * for every fault of framing by reads (which bytes may or may not tell apart, so one case names
 * the variant and another names them together).
 */
function faultKey(error: unknown, signatureOf: string): string {
  return error instanceof Violation && error.diagnosis && framesByReads(error.diagnosis.id)
    ? "framing by reads"
    : signatureOf;
}

/**
 * Why a FAIR-1 failure is not shrunk: which connection goes unanswered depends on when the case's
 * other connections, and those of the cases beside it, are served, not on the case's bytes. Its
 * shrinks made a step or two in the whole budget, and their results did not fail again.
 */
const FAIR_NOT_SHRUNK =
  "a FAIR-1 failure depends on the timing of the other connections, not on the case's bytes";

class ShrinkWatch {
  shrinking = false;
  startedAt = 0;
  steps = 0;
  tried = 0;
  first: { error: unknown; signature: string } | undefined;
  /** Why this failure is not shrunk (its first counterexample stands), if it is not. */
  notShrunk: string | undefined;

  constructor(
    private readonly budgetMs: number,
    private readonly shrunkFaults: Map<string, string> | undefined,
    private readonly caseId: string,
  ) {}

  get spent(): boolean {
    return (
      this.shrinking && (this.notShrunk !== undefined || performance.now() - this.startedAt > this.budgetMs)
    );
  }

  /** Whether a failing run counts (it is the first, or fails the same way); rethrown when it does. */
  counts(error: unknown): boolean {
    if (!this.shrinking) {
      this.shrinking = true;
      this.startedAt = performance.now();
      this.first = { error, signature: signature(error) };
      if (error instanceof Violation && error.rule === "FAIR-1") this.notShrunk = FAIR_NOT_SHRUNK;
      else if (diagnosed(error)) {
        // Claimed as the shrink starts: a case running beside this one does not shrink it again.
        const key = faultKey(error, this.first.signature);
        const by = this.shrunkFaults?.get(key);
        if (by === undefined) this.shrunkFaults?.set(key, this.caseId);
        else if (by !== this.caseId) this.notShrunk = `the same fault was shrunk in ${by}`;
      }
      return true;
    }
    if (signature(error) !== this.first?.signature) return false;
    this.steps++;
    return true;
  }

  report(confirmed: boolean): ShrinkReport {
    return {
      ms: Math.round(performance.now() - this.startedAt),
      steps: this.steps,
      tried: this.tried,
      budgetSpent: this.spent,
      confirmed,
    };
  }
}

/** The case's context, with the short wait for missing replies once the watch is shrinking. */
function shrinkingContext(env: ExecutionEnv, watch: ShrinkWatch): CaseContext {
  const shortWaitMs = stallMsFor(env.waits.rttMs);
  const fullWaitMs = missingWaitMs(env);
  return {
    ...contextFor(env),
    get waitMs() {
      return watch.shrinking ? Math.min(shortWaitMs, fullWaitMs) : fullWaitMs;
    },
  };
}

/** One fast-check run of the property along `path` (no shrinking), with the full waits. */
async function runPath(c: PropertyCase<unknown>, env: ExecutionEnv, seed: number, path: string) {
  const ctx = contextFor(env);
  const check = async (value: unknown): Promise<void> => runOnce((run) => c.check(ctx, value, run), ctx);
  return fc.check(fc.asyncProperty(c.arbitrary(ctx), check), { seed, path, endOnFailure: true, numRuns: 1 });
}

export async function runProperty(
  c: PropertyCase<unknown>,
  env: ExecutionEnv,
  seed: number,
  runs: number,
  path?: string,
): Promise<CaseOutcome> {
  const watch = new ShrinkWatch(env.shrinkBudgetMs ?? DEFAULT_SHRINK_BUDGET_MS, env.shrunkFaults, c.id);
  const ctx = shrinkingContext(env, watch);
  let firstDeath: unknown = null;
  const predicate = async (value: unknown): Promise<void> => {
    if (ctx.signal.aborted) throw new Inconclusive("interrupted");
    if (firstDeath !== null) throw firstDeath; // the target is gone: shrinking would only mislead
    if (watch.spent) return; // out of budget: the smallest counterexample so far stands
    if (watch.shrinking) watch.tried++;
    try {
      await runOnce((run) => c.check(ctx, value, run), ctx);
    } catch (error) {
      if (died(env.target) && firstDeath === null) firstDeath = error;
      if (firstDeath === error) throw error;
      if (watch.counts(error)) {
        env.hold?.release("shrinking a failure");
        throw error;
      }
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
  if (firstDeath !== null) {
    const outcome = judge(firstDeath, env.strict, env.target.exitStatus());
    return {
      ...outcome,
      runs: details.numRuns,
      message: `${outcome.message ?? ""} (not shrunk: the target died)`,
    };
  }
  return confirmed(
    c,
    env,
    seed,
    watch,
    details.counterexamplePath ?? undefined,
    details.errorInstance,
    details.numRuns,
    path,
  );
}

/**
 * The shrunk counterexample, run again with the full waits: it stands when it fails the same way;
 * otherwise the first counterexample (its run index is the path's first step) is reported.
 */
async function confirmed(
  c: PropertyCase<unknown>,
  env: ExecutionEnv,
  seed: number,
  watch: ShrinkWatch,
  found: string | undefined,
  error: unknown,
  runs: number,
  replayPath: string | undefined,
): Promise<CaseOutcome> {
  const judged = (e: unknown, p: string | undefined, shrink?: ShrinkReport): CaseOutcome => ({
    ...judge(e, env.strict, env.target.exitStatus()),
    runs,
    ...(p ? { path: p } : {}),
    ...(shrink ? { shrink, confirmed: shrink.confirmed } : {}),
  });
  if (watch.notShrunk !== undefined) {
    const outcome = judged(watch.first?.error ?? error, found?.split(":")[0]);
    return {
      ...outcome,
      message: `${outcome.message ?? ""} (not shrunk: ${watch.notShrunk})`,
    };
  }
  if (found === undefined || replayPath !== undefined || watch.steps === 0) return judged(error, found);
  const again = await runPath(c, env, seed, found);
  if (again.failed && signature(again.errorInstance) === watch.first?.signature)
    return judged(again.errorInstance, found, watch.report(true));
  const original = found.split(":")[0] as string;
  const outcome = judged(watch.first?.error ?? error, original, watch.report(false));
  return {
    ...outcome,
    message: `${outcome.message ?? ""} (the shrunk counterexample did not fail the same way with the full waits: this is the first one found)`,
  };
}
