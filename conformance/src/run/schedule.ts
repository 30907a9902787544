/**
 * The run's schedule: every chosen case once (round 0), then, with --fuzz, the properties again and
 * again with fresh seeds until the deadline. Results of round 0 are the report's cases; a later
 * round that finds a failure where round 0 found none replaces that case's result. Every fail or
 * warn is written to a failure file when failure files are asked for.
 */
import type { ConformanceCase } from "../case.js";
import { writeFailureFile } from "../replay.js";
import type { CaseResult, FuzzFinding } from "../report.js";
import type { ProcessEvidence } from "../target.js";
import { type CaseRunEnv, runCaseInSequence } from "./case-run.js";
import { caseSeed, type RunPlan } from "./plan.js";
import { failureFileFor } from "./replay-command.js";

const FUZZ_SEED_STEP = 7919;

interface ScheduledCase {
  readonly c: ConformanceCase;
  readonly round: number;
  readonly seed: number;
}

/** The cases in the order they run, each with its round and seed. */
function* scheduled(plan: RunPlan, deadline: number | undefined): Generator<ScheduledCase> {
  for (let round = 0; ; round++) {
    const roundSeed = round === 0 ? plan.runSeed : (plan.runSeed + round * FUZZ_SEED_STEP) & 0x7fffffff;
    for (const c of round === 0 ? plan.cases : plan.cases.filter((x) => x.kind === "property")) {
      if (round > 0 && (deadline === undefined || Date.now() > deadline)) return;
      const seed = plan.options.replay ? plan.options.replay.seed : caseSeed(roundSeed, c.id);
      yield { c, round, seed };
    }
    if (deadline === undefined || Date.now() >= deadline) return;
  }
}

export interface ScheduleOutcome {
  readonly cases: CaseResult[];
  readonly incompleteReason?: string;
  readonly counterexamples: string[];
  /** Fuzz rounds after the first: every counterexample, so one report covers them all. */
  readonly found: FuzzFinding[];
  readonly rounds: number;
  readonly processBeforeStop?: ProcessEvidence | null;
}

export async function runSchedule(plan: RunPlan, env: CaseRunEnv): Promise<ScheduleOutcome> {
  const deadline = plan.options.fuzzMs !== undefined ? Date.now() + plan.options.fuzzMs : undefined;
  const cases: CaseResult[] = [];
  const counterexamples: string[] = [];
  const found: FuzzFinding[] = [];
  let incompleteReason: string | undefined;
  let rounds = 0;
  let processBeforeStop: ProcessEvidence | null | undefined;
  for (const { c, round, seed } of scheduled(plan, deadline)) {
    if (env.session.signal.aborted) {
      incompleteReason = "interrupted";
      break;
    }
    rounds = round + 1;
    const run = await runCaseInSequence(c, seed, env);
    if (run.processBeforeStop !== undefined && processBeforeStop === undefined)
      processBeforeStop = run.processBeforeStop;
    if (round === 0) {
      cases.push(run.result);
      plan.options.onCase?.(run.result);
    } else {
      const earlier = cases.find((x) => x.id === c.id);
      if (earlier && run.result.verdict === "fail" && earlier.verdict !== "fail")
        Object.assign(earlier, run.result);
    }
    const failed = run.result.verdict === "fail" || run.result.verdict === "warn";
    let file: string | undefined;
    if (failed && plan.failuresDir && run.result.seed !== undefined) {
      file = await writeFailureFile(plan.failuresDir, failureFileFor(plan, run.result));
      counterexamples.push(file);
    }
    if (failed && round > 0) found.push({ round, ...(file ? { file } : {}), result: run.result });
    incompleteReason = run.incompleteReason;
    if (env.session.dead || incompleteReason) break;
  }
  if (env.session.signal.aborted) incompleteReason = "interrupted";
  return {
    cases,
    counterexamples,
    found,
    rounds,
    ...(incompleteReason ? { incompleteReason } : {}),
    ...(processBeforeStop !== undefined ? { processBeforeStop } : {}),
  };
}
