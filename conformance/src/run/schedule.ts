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
import { type CaseRun, type CaseRunEnv, runCaseInSequence } from "./case-run.js";
import { LaneHold } from "./lane.js";
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

/** Where a case ran on the run's clock, to tell which cases overlapped. */
interface Span {
  readonly id: string;
  readonly from: number;
  readonly to: number;
}

/** What the schedule gathers while cases run, some of them side by side. */
class ScheduleState {
  readonly results = new Map<number, CaseResult>();
  readonly counterexamples: string[] = [];
  readonly found: FuzzFinding[] = [];
  readonly spans: Span[] = [];
  incompleteReason: string | undefined;
  rounds = 0;
  processBeforeStop: ProcessEvidence | null | undefined;

  constructor(private readonly plan: RunPlan) {}

  /** Records one case's run; round 0 gives the report's result, later rounds only counterexamples. */
  async record(index: number, round: number, run: CaseRun, span: Span): Promise<void> {
    const { plan } = this;
    if (run.processBeforeStop !== undefined && this.processBeforeStop === undefined)
      this.processBeforeStop = run.processBeforeStop;
    if (round === 0) {
      this.results.set(index, run.result);
      this.spans.push(span);
      plan.options.onCase?.(run.result);
    } else {
      const earlier = this.results.get(index);
      if (earlier && run.result.verdict === "fail" && earlier.verdict !== "fail")
        Object.assign(earlier, run.result);
    }
    const failed = run.result.verdict === "fail" || run.result.verdict === "warn";
    let file: string | undefined;
    if (failed && plan.failuresDir && run.result.seed !== undefined) {
      file = await writeFailureFile(plan.failuresDir, failureFileFor(plan, run.result));
      this.counterexamples.push(file);
    }
    if (failed && round > 0) this.found.push({ round, ...(file ? { file } : {}), result: run.result });
    this.incompleteReason ??= run.incompleteReason;
  }

  /** The round-0 results in the plan's order, each with the cases that ran beside it. */
  cases(): CaseResult[] {
    const ordered = [...this.results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
    for (const result of ordered) {
      const mine = this.spans.find((s) => s.id === result.id);
      if (!mine) continue;
      const beside = this.spans
        .filter((s) => s.id !== mine.id && s.from < mine.to && mine.from < s.to)
        .map((s) => s.id);
      if (beside.length > 0) result.overlapped = beside;
    }
    return ordered;
  }
}

/** At most this many cases that let go of the lane go on beside the one holding it. */
const MAX_LET_GO = 4;

/** Cases running beside the lane: background ones, or ones that let go of it. */
class Beside {
  private readonly running = new Set<Promise<void>>();

  add(run: Promise<void>): void {
    this.running.add(run);
    const remove = (): void => {
      this.running.delete(run);
    };
    run.then(remove, remove);
  }

  /** Resolves once fewer than `max` are running. */
  async room(max: number): Promise<void> {
    while (this.running.size >= max) await Promise.race(this.running);
  }

  async ended(): Promise<void> {
    await Promise.all(this.running);
  }
}

/**
 * Runs the schedule. Round 0: background cases start and go on beside the others; a case in turn
 * holds the lane until it ends or lets go (it only waits), then the next starts; a quiet case (or
 * one that stops the target) first waits for every case beside the lane to end. Later (fuzz)
 * rounds run one case at a time.
 */
export async function runSchedule(plan: RunPlan, env: CaseRunEnv): Promise<ScheduleOutcome> {
  const deadline = plan.options.fuzzMs !== undefined ? Date.now() + plan.options.fuzzMs : undefined;
  const state = new ScheduleState(plan);
  const background = new Beside();
  const letGo = new Beside();
  const clock = performance.now();
  const runOne = async (c: ConformanceCase, round: number, seed: number, hold?: LaneHold): Promise<void> => {
    const from = performance.now() - clock;
    const run = await runCaseInSequence(c, seed, hold ? { ...env, hold } : env);
    run.result.startMs = Math.round(from);
    if (hold?.releasedBecause) run.result.letGo = hold.releasedBecause;
    // Results keep the suite's order (by section), whatever order the schedule ran them in.
    await state.record(plan.suite.indexOf(c), round, run, { id: c.id, from, to: performance.now() - clock });
  };
  for (const { c, round, seed } of scheduled(plan, deadline)) {
    if (env.session.signal.aborted || env.session.dead || state.incompleteReason) break;
    state.rounds = round + 1;
    const alone = c.schedule === "quiet" || c.last || round > 0;
    if (round === 0 && c.schedule === "background" && plan.cases.length > 1) {
      background.add(runOne(c, round, seed));
      continue;
    }
    if (alone) {
      await Promise.all([background.ended(), letGo.ended()]);
      await runOne(c, round, seed);
      continue;
    }
    await letGo.room(MAX_LET_GO);
    const hold = new LaneHold();
    const run = runOne(c, round, seed, hold);
    const ended = await Promise.race([run.then(() => true), hold.released.then(() => false)]);
    if (!ended) letGo.add(run);
  }
  await Promise.all([background.ended(), letGo.ended()]);
  if (env.session.signal.aborted) state.incompleteReason = "interrupted";
  return {
    cases: state.cases(),
    counterexamples: state.counterexamples,
    found: state.found,
    rounds: state.rounds,
    ...(state.incompleteReason ? { incompleteReason: state.incompleteReason } : {}),
    ...(state.processBeforeStop !== undefined ? { processBeforeStop: state.processBeforeStop } : {}),
  };
}
