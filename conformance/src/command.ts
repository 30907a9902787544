/**
 * The launcelot-conformance command: arguments in, a report written, an exit status out
 * (`cli.ts` is the program that calls it).
 *
 * No run ends without a report and an exit status that says what happened. The exit status is 3
 * (incomplete) from the start and changes only once a report is written: the run's own, a setup
 * error's (exit 2, the error inside), or, if the run stops short (the event loop emptied before it
 * ended, an internal error), the report of the cases done so far, marked incomplete with the reason.
 */
import { BridgekeeperError, UsageError } from "@bridgekeeper/spec";
import { type CliArgs, HELP, parseArgs } from "./args.js";
import type { ConformanceCase } from "./case.js";
import { allCases } from "./cases/index.js";
import { computeCoverage } from "./coverage.js";
import { readExpectFile } from "./expect.js";
import { programVariant } from "./program.js";
import { renderList } from "./render.js";
import { readReplayArgument } from "./replay.js";
import { assembleReport, type CaseResult, type Report, type ReportHeader, type RunEnding } from "./report.js";
import { checkReportFiles, showsProgress, writeReports } from "./reporters.js";
import { type ConformanceOptions, runConformance, SUITE_VERSION, setupHeader } from "./runner.js";

/** The status of a run that has not (yet) written its report. */
export const INCOMPLETE = 3;

/** What a program embedding the command may change (tests: a list of cases of their own). */
export interface CommandOptions {
  readonly cases?: readonly ConformanceCase[];
}

/** What the run has produced so far, so a report can be written whenever it ends. */
class RunRecord {
  header: ReportHeader;
  readonly cases: CaseResult[] = [];
  finished = false;
  private readonly started = Date.now();

  constructor(
    args: CliArgs,
    seed: number,
    readonly suite: readonly ConformanceCase[],
  ) {
    this.header = setupHeader(args.target ?? "", seed, args.strict, args.runs);
  }

  report(ending: Omit<RunEnding, "durationMs">): Report {
    return assembleReport(this.header, this.cases, computeCoverage(this.suite), {
      ...ending,
      durationMs: Date.now() - this.started,
    });
  }
}

/**
 * Writes the reports where they go (synchronously: this may run as the process is about to exit);
 * false when one could not be written (then the run is incomplete: exit 3).
 */
function writeReport(report: Report, args: CliArgs): boolean {
  return writeReports(report, args.reporters).length === 0;
}

/** Ctrl-C: the first stops the run (the report is still written); a second one later exits at once. */
function interruptOnSignals(controller: AbortController): void {
  let interruptedAt = 0;
  const onSignal = (): void => {
    if (interruptedAt > 0 && Date.now() - interruptedAt > 1000) {
      process.stderr.write("second interrupt: exiting at once\n");
      process.exit(INCOMPLETE);
    }
    if (interruptedAt === 0) {
      interruptedAt = Date.now();
      process.stderr.write("interrupted: stopping clients and the target, then writing the report so far\n");
      controller.abort();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

/** If the event loop empties while the run is still going, write what there is and exit 3. */
function guardAgainstEarlyEnd(record: RunRecord, args: CliArgs): void {
  process.once("beforeExit", () => {
    if (record.finished) return;
    record.finished = true;
    const reason =
      "the run stopped before its end: nothing was left for it to wait on (a bug in the suite; please report it with this report)";
    process.stderr.write(`launcelot-conformance: ${reason}\n`);
    writeReport(record.report({ incompleteReason: reason }), args);
    process.exitCode = INCOMPLETE;
  });
}

async function optionsFor(args: CliArgs, seed: number, record: RunRecord): Promise<ConformanceOptions> {
  const replay = args.replay !== undefined ? await readReplayArgument(args.replay) : undefined;
  const target = args.target ?? replay?.file?.target;
  if (target === undefined)
    throw new UsageError("--target is required (a replay string holds no target; a failure file does)");
  record.header = { ...record.header, target };
  const expected =
    args.expect !== undefined
      ? await readExpectFile(args.expect, new Set(record.suite.map((c) => c.id)))
      : undefined;
  const progress = process.stderr.isTTY || showsProgress(args.reporters);
  const limits = {
    ...(args.maxQuestion !== undefined ? { maxQuestion: args.maxQuestion } : {}),
    ...(args.idleTimeoutSec !== undefined ? { idleTimeoutSec: args.idleTimeoutSec } : {}),
    ...(args.maxConnections !== undefined ? { maxConnections: args.maxConnections } : {}),
    ...(args.shutdownTimeoutSec !== undefined ? { shutdownTimeoutSec: args.shutdownTimeoutSec } : {}),
  };
  return {
    target,
    cases: record.suite,
    ...(args.table !== undefined ? { table: args.table } : replay?.file ? { table: replay.file.table } : {}),
    only: args.only,
    skip: args.skip,
    ...(args.runs !== undefined ? { runs: args.runs } : {}),
    seed,
    strict: args.strict,
    ...(args.timeoutMs !== undefined ? { timeoutMs: args.timeoutMs } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    ...(replay ? { replay: replay.spec } : {}),
    ...(expected ? { expectedFailures: expected, expectFile: args.expect as string } : {}),
    ...(args.fuzzMs !== undefined ? { fuzzMs: args.fuzzMs } : {}),
    ...(args.failuresDir !== undefined ? { failuresDir: args.failuresDir } : {}),
    ...(args.startTimeoutMs !== undefined ? { startTimeoutMs: args.startTimeoutMs } : {}),
    ...(args.fdLimit !== undefined ? { fdLimit: args.fdLimit } : {}),
    ...(args.shrinkBudgetMs !== undefined ? { shrinkBudgetMs: args.shrinkBudgetMs } : {}),
    ...(args.probe !== undefined ? { probe: args.probe } : {}),
    onHeader: (header) => {
      record.header = header;
    },
    onCase: (c) => {
      record.cases.push(c);
      if (progress)
        process.stderr.write(
          `${c.verdict.toUpperCase().padEnd(5)} ${c.id} (${(c.durationMs / 1000).toFixed(1)} s)\n`,
        );
    },
  };
}

/** Runs the suite for parsed arguments; returns the exit status, after the report is written. */
async function run(args: CliArgs, suite: readonly ConformanceCase[]): Promise<number> {
  const seed = args.seed ?? Math.floor(Math.random() * 0x7fffffff);
  const record = new RunRecord(args, seed, suite);
  guardAgainstEarlyEnd(record, args);
  const controller = new AbortController();
  interruptOnSignals(controller);
  let report: Report;
  try {
    report = await runConformance({ ...(await optionsFor(args, seed, record)), signal: controller.signal });
  } catch (error) {
    record.finished = true;
    if (!(error instanceof BridgekeeperError)) {
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`launcelot-conformance: internal error: ${detail}\n`);
      const reason = `internal error: ${detail.split("\n")[0]} (a bug in the suite; please report it)`;
      writeReport(record.report({ incompleteReason: reason }), args);
      return INCOMPLETE;
    }
    const message = error.message.split("\n")[0] ?? "";
    process.stderr.write(`launcelot-conformance: ${message} [${error.code}]\n`);
    report = record.report({ setupError: { code: error.code, message } });
    return writeReport(report, args) ? report.exitCode : INCOMPLETE;
  }
  record.finished = true;
  return writeReport(report, args) ? report.exitCode : INCOMPLETE;
}

/**
 * Runs the command; resolves with the exit status. Usage errors in the arguments themselves
 * reject (a BridgekeeperError: one line, exit 2); once the arguments are read, every ending writes
 * a report first.
 */
export async function runCommand(argv: readonly string[], options: CommandOptions = {}): Promise<number> {
  const suite = options.cases ?? allCases;
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`launcelot-conformance ${SUITE_VERSION}${programVariant()}\n`);
    return 0;
  }
  if (args.list) {
    process.stdout.write(renderList(suite, computeCoverage(suite)));
    return 0;
  }
  checkReportFiles(args.reporters);
  return run(args, suite);
}

/** The program: runs the command and sets the exit status (3 until a report is written). */
export function main(argv: readonly string[], options: CommandOptions = {}): void {
  process.exitCode = INCOMPLETE;
  runCommand(argv, options).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof BridgekeeperError) {
        process.stderr.write(`launcelot-conformance: ${error.message.split("\n")[0]} [${error.code}]\n`);
        process.exitCode = 2;
        return;
      }
      process.stderr.write(
        `launcelot-conformance: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = INCOMPLETE;
    },
  );
}
