/**
 * One case in the run's sequence: check the target answers, execute the case, check it still
 * answers (or bring it back), replay a failure once with the same seed, and make the result.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ConformanceCase } from "../case.js";
import { BLOCKED_BEHIND, ONE_AT_A_TIME } from "../checks.js";
import type { AnswerBook } from "../model.js";
import { formatReplay } from "../replay.js";
import type { CaseResult } from "../report.js";
import { type SanityResult, sanityCheck } from "../sanity.js";
import type { ProcessEvidence } from "../target.js";
import { type ExecutionEnv, executeCase } from "./execute.js";
import { type CaseOutcome, judge } from "./judge.js";
import { stallWatchFor } from "./lane.js";
import type { RunPlan } from "./plan.js";
import { replayCommandFor } from "./replay-command.js";
import { died } from "./session.js";

/** What the run gives every case (the target is captured when the case starts). */
export interface CaseRunEnv extends Omit<ExecutionEnv, "target"> {
  readonly plan: RunPlan;
  /** The table with the target's own unknown reply, for the cases that do not check UNKNOWN-1. */
  readonly lenientBook?: AnswerBook;
}

/** A case's run with its target captured. */
type CaseExecution = ExecutionEnv & { readonly plan: RunPlan };

/** What one case came to, and what it means for the rest of the run. */
export interface CaseRun {
  readonly result: CaseResult;
  /** Set when the run cannot go on (the target could not be brought back). */
  readonly incompleteReason?: string;
  /** For a case that stops the target: what the OS showed of it just before. */
  readonly processBeforeStop?: ProcessEvidence | null;
}

function sanity(env: CaseRunEnv): Promise<SanityResult> {
  const { target } = env.session;
  return sanityCheck(
    target.host,
    target.port,
    env.book,
    env.waits.waitMs,
    stallWatchFor(env.hold, env.waits),
  );
}

/** The target answered before the case and does not after (or stopped accepting connections). */
function brokenAfter(before: SanityResult, after: SanityResult): boolean {
  return before.state === "ok"
    ? after.state !== "ok"
    : before.state !== "refused" && after.state === "refused";
}

/**
 * After the case: a target stopped on purpose is cleared away; one that died is brought back (its
 * death a ROBUST-1 failure unless the case failed already); one that stopped answering fails the
 * case (ROBUST-1), after coarse retries, since it may still be releasing the case's connections.
 */
async function checkAfter(
  c: ConformanceCase,
  outcome: CaseOutcome,
  before: SanityResult,
  env: CaseExecution,
): Promise<{ outcome: CaseOutcome; incompleteReason?: string }> {
  const { session } = env;
  if (c.stopsTarget) {
    await session.stopAfterCase();
    return { outcome };
  }
  const { target } = env;
  if (outcome.targetDied || died(target)) {
    const judged =
      !outcome.targetDied && outcome.verdict !== "fail"
        ? judge(new Error("the target died"), env.strict, target.exitStatus())
        : outcome;
    const reason = await session.recover(target, `after ${c.id}`, env.book, env.waits);
    return { outcome: judged, ...(reason ? { incompleteReason: reason } : {}) };
  }
  // A server seen to serve a bounded number of clients at a time leaves a fresh connection
  // unanswered while the cases beside hold it: the fault the run saw, not a new breakage.
  const broken = (result: SanityResult): boolean =>
    brokenAfter(before, result) && !(env.servedAtOnce && result.state === "silent");
  let after = await sanity(env);
  for (let retry = 0; retry < 3 && broken(after) && !died(target); retry++) {
    await sleep(env.waits.floorMs);
    after = await sanity(env);
  }
  let judged = outcome;
  if (broken(after) && outcome.verdict !== "fail") {
    judged = {
      ...outcome,
      verdict: "fail",
      violatedRule: "ROBUST-1",
      message: `ROBUST-1: expected the server to keep answering new connections after the case, got ${after.state}: ${after.detail}`,
    };
  }
  if (after.state === "refused" || (before.state === "ok" && broken(after))) {
    const reason = await session.recover(target, `after ${c.id}`, env.book, env.waits);
    if (reason) return { outcome: judged, incompleteReason: reason };
  }
  return { outcome: judged };
}

function resultOf(c: ConformanceCase, outcome: CaseOutcome, targetOutput: string | undefined): CaseResult {
  return {
    id: c.id,
    title: c.title,
    section: c.section,
    rules: [...c.rules],
    verdict: outcome.verdict,
    ...(outcome.violatedRule ? { violatedRule: outcome.violatedRule } : {}),
    ...(outcome.message ? { message: outcome.message } : {}),
    ...(outcome.transcript ? { transcript: outcome.transcript } : {}),
    ...(outcome.wire ? { wire: outcome.wire } : {}),
    ...(outcome.mismatch ? { mismatch: outcome.mismatch } : {}),
    ...(outcome.diagnosis ? { diagnosis: outcome.diagnosis } : {}),
    ...(outcome.runs !== undefined ? { runs: outcome.runs } : {}),
    ...(outcome.evidence ? { evidence: outcome.evidence } : {}),
    ...(outcome.samples ? { samples: outcome.samples } : {}),
    ...(outcome.notJudged ? { notJudged: outcome.notJudged } : {}),
    ...(outcome.shrink ? { shrink: outcome.shrink } : {}),
    ...(targetOutput ? { targetOutput } : {}),
    durationMs: 0,
  };
}

/** A failure is replayed once only when its case took less than this; a longer one says why not. */
const REPLAY_UNDER_MS = 5000;

const SERVED_IN_TURN: ReadonlySet<string> = new Set([ONE_AT_A_TIME, BLOCKED_BEHIND]);

/**
 * Why a failure is not replayed, when it is the fault the run saw before the cases: a server that
 * serves a bounded number of clients at a time (FAIR-1, seen with the full wait). A replay would
 * only see it again.
 */
function seenBeforeTheCases(outcome: CaseOutcome, env: CaseExecution): string | undefined {
  if (!env.servedAtOnce) return undefined;
  const inTurn = outcome.violatedRule === "FAIR-1" || SERVED_IN_TURN.has(outcome.diagnosis?.id ?? "");
  return inTurn
    ? "not replayed: the fault the run saw before the cases (the server serves a bounded number of clients at a time; see the header)"
    : undefined;
}

/**
 * A fail or warn gets its seed, path and replay command, and is replayed once to see it
 * reproduce, unless its case was long (then the report says "not replayed" and why) or it is a
 * property whose counterexample was already confirmed with the full waits after shrinking.
 */
async function attachReplay(
  result: CaseResult,
  c: ConformanceCase,
  seed: number,
  outcome: CaseOutcome & { readonly ms: number },
  env: CaseExecution,
): Promise<string | undefined> {
  const { plan, session } = env;
  result.seed = seed;
  if (outcome.path) result.path = outcome.path;
  const replay = formatReplay({ caseId: c.id, seed, ...(outcome.path ? { path: outcome.path } : {}) });
  result.replayCommand = replayCommandFor(plan, replay);
  if (outcome.confirmed !== undefined) {
    result.reproduced = outcome.confirmed;
    return undefined;
  }
  if (plan.options.replay || session.dead || session.signal.aborted) return undefined;
  const seen = seenBeforeTheCases(outcome, env);
  if (seen) {
    result.replayNote = seen;
    return undefined;
  }
  if (outcome.ms > REPLAY_UNDER_MS) {
    result.replayNote = `not replayed: the case took ${(outcome.ms / 1000).toFixed(1)} s (cases under ${REPLAY_UNDER_MS / 1000} s are replayed once)`;
    return undefined;
  }
  await session.ensureRunning();
  const again = await executeCase(
    c,
    { ...env, target: session.target },
    seed,
    plan.options.runs,
    outcome.path,
  );
  result.reproduced = again.verdict === outcome.verdict && again.violatedRule === outcome.violatedRule;
  if (c.stopsTarget) await session.stopAfterCase();
  else if (again.targetDied || session.died())
    return session.recover(session.target, `after replaying ${c.id}`, env.book, env.waits);
  return undefined;
}

/** The target answers before the case, or is brought back; an error result when it cannot be. */
async function checkBefore(c: ConformanceCase, env: CaseRunEnv): Promise<{ before: SanityResult } | CaseRun> {
  const { session } = env;
  if (!(await session.ensureRunning())) {
    const message = "the target could not be started again after the case that stopped it";
    return { result: resultOf(c, { verdict: "error", message }, undefined), incompleteReason: message };
  }
  const before = await sanity(env);
  if (before.state !== "refused") return { before };
  const reason = await session.recover(session.target, `before ${c.id}`, env.book, env.waits);
  if (!reason) return { before };
  const message = `the target refuses connections before the case: ${before.detail}`;
  return { result: resultOf(c, { verdict: "error", message }, undefined), incompleteReason: reason };
}

export async function runCaseInSequence(c: ConformanceCase, seed: number, env: CaseRunEnv): Promise<CaseRun> {
  const { plan } = env;
  const started = performance.now();
  const checked = await checkBefore(c, env);
  if ("result" in checked) return checked;
  const book = env.lenientBook && !c.rules.includes("UNKNOWN-1") ? env.lenientBook : env.book;
  const exec: CaseExecution = { ...env, book, target: env.session.target };
  const processBeforeStop = c.stopsTarget ? await exec.target.processEvidence() : undefined;
  const executed = await executeCase(c, exec, seed, plan.options.runs, plan.options.replay?.path);
  const ms = performance.now() - started;
  const targetOutput = executed.targetDied ? exec.target.outputTail() : undefined;
  const after = await checkAfter(c, executed, checked.before, exec);
  const result = resultOf(c, after.outcome, targetOutput);
  let incompleteReason = after.incompleteReason;
  if (after.outcome.verdict === "fail" || after.outcome.verdict === "warn") {
    const replayReason = await attachReplay(result, c, seed, { ...after.outcome, ms }, exec);
    incompleteReason ??= replayReason;
  }
  result.durationMs = Math.round(performance.now() - started);
  return {
    result,
    ...(incompleteReason ? { incompleteReason } : {}),
    ...(processBeforeStop !== undefined ? { processBeforeStop } : {}),
  };
}
