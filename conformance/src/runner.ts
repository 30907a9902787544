/**
 * runConformance: the outline of a run. Plan it from the options; launch or reach the target;
 * measure its round trip; run the schedule of cases, each between two sanity checks; assemble the
 * report. The steps live in run/: plan, session, waits, execute, judge, case-run, schedule.
 */
import { SPEC_VERSION } from "@bridgekeeper/spec";
import { packageVersion } from "@bridgekeeper/spec/package-dir";
import { computeCoverage } from "./coverage.js";
import { applyBaseline } from "./expect.js";
import { assembleReport, REPORT_SCHEMA, type Report, type ReportHeader } from "./report.js";
import { MARGINS } from "./run/margins.js";
import { type ConformanceOptions, DEFAULT_FD_LIMIT } from "./run/options.js";
import { planRun, type RunPlan } from "./run/plan.js";
import { runSchedule, type ScheduleOutcome } from "./run/schedule.js";
import { probeServedAtOnce } from "./run/served-at-once.js";
import { Session } from "./run/session.js";
import { learnUnknownReply } from "./run/unknown-reply.js";
import { measureWaits, WAITS_RULE, type Waits } from "./run/waits.js";
import { type ProcessEvidence, parseTarget } from "./target.js";

export { type ConformanceOptions, type DeclaredLimits, LAUNCH_DEFAULTS } from "./run/options.js";
export { caseSeed } from "./run/plan.js";
export { MARGINS };

export const SUITE_VERSION: string = packageVersion(import.meta.url);

/** The header of a run that has not got far: what the command line says, nothing measured yet. */
export function setupHeader(
  target: string,
  seed: number,
  strict: boolean,
  runs: number | undefined,
): ReportHeader {
  let kind = "unknown";
  try {
    kind = parseTarget(target).kind;
  } catch {
    // a bad target is the setup error itself
  }
  return {
    schema: REPORT_SCHEMA,
    suiteVersion: SUITE_VERSION,
    specVersion: SPEC_VERSION,
    target,
    targetKind: kind,
    launched: false,
    table: null,
    seed,
    runs: runs ?? null,
    strict,
    limits: null,
    waits: null,
    margins: MARGINS,
    startedAt: new Date().toISOString(),
  };
}

function plannedHeader(plan: RunPlan, started: number): ReportHeader {
  const { options, table } = plan;
  return {
    ...setupHeader(options.target, plan.runSeed, plan.strict, options.runs),
    launched: plan.spec.kind !== "address",
    table: { name: table.name, path: plan.tablePath, entries: table.entries.length },
    limits: plan.limits,
    startedAt: new Date(started).toISOString(),
  };
}

function finalReport(
  plan: RunPlan,
  header: ReportHeader,
  run: ScheduleOutcome,
  process: { atStart: ProcessEvidence | null; atEnd: ProcessEvidence | null; restarts: number } | undefined,
  started: number,
): Report {
  const { options } = plan;
  const baseline = options.expectedFailures
    ? applyBaseline(run.cases, options.expectedFailures, options.expectFile ?? "(expect list)")
    : undefined;
  const report = assembleReport(header, run.cases, computeCoverage(plan.suite), {
    ...(run.incompleteReason !== undefined ? { incompleteReason: run.incompleteReason } : {}),
    durationMs: Date.now() - started,
  });
  return {
    ...report,
    ...(baseline ? { baseline } : {}),
    ...(options.fuzzMs !== undefined
      ? {
          fuzz: {
            durationMs: options.fuzzMs,
            rounds: run.rounds,
            counterexamples: run.counterexamples,
            found: run.found,
          },
        }
      : {}),
    ...(process ? { process } : {}),
  };
}

/** Runs the suite against one target and returns the report (never throws for a target's flaws). */
export async function runConformance(options: ConformanceOptions): Promise<Report> {
  const started = Date.now();
  const plan = await planRun(options);
  let header = plannedHeader(plan, started);
  options.onHeader?.(header);
  const session = new Session(plan, options.signal);
  await session.start();
  try {
    const waits: Waits = await measureWaits(session.target, options.target, plan.book, plan.baseWaitMs);
    const probe = await learnUnknownReply(session.target, plan.book, waits);
    const learned = probe.reply;
    const servedAtOnce = await probeServedAtOnce(session.target, plan.book, waits);
    header = {
      ...header,
      launched: session.target.launched,
      waits: { ...waits, rule: WAITS_RULE },
      ...(learned ? { unknownReply: learned.toString("latin1") } : {}),
      ...(probe.answered ? {} : { unknownAnswered: false }),
      ...(servedAtOnce ? { servedAtOnce: { ...servedAtOnce, missingWaitMs: waits.floorMs } } : {}),
    };
    options.onHeader?.(header);
    const atStart = await session.target.processEvidence();
    const env = {
      plan,
      session,
      book: plan.book,
      ...(learned ? { lenientBook: plan.book.withUnknownReply(learned) } : {}),
      limits: plan.limits,
      waits,
      strict: plan.strict,
      ...(options.shrinkBudgetMs !== undefined ? { shrinkBudgetMs: options.shrinkBudgetMs } : {}),
      fdLimit: options.fdLimit ?? DEFAULT_FD_LIMIT,
      unknownAnswered: probe.answered,
      tableAnswered: probe.tableAnswered,
      shrunkFaults: new Map<string, string>(),
      ...(servedAtOnce ? { servedAtOnce } : {}),
    };
    const run = await runSchedule(plan, env);
    const atEnd = run.processBeforeStop ?? (await session.target.processEvidence());
    const process = session.target.launched ? { atStart, atEnd, restarts: session.restarts } : undefined;
    return finalReport(plan, header, run, process, started);
  } finally {
    await session.target.stop();
  }
}
