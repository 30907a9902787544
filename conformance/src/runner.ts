/**
 * runConformance: launch or reach the target, measure its round trip, then run each selected case
 * between two sanity checks. A case that kills the target fails (ROBUST-1 unless it already broke a
 * more specific rule); the target is restarted and the run goes on. Failures are replayed once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalTablePath, LIMITS, loadTableFile, rules, SPEC_VERSION } from "@bridgekeeper/spec";
import * as fc from "fast-check";
import type { CaseContext, ConformanceCase, PropertyCase, ScenarioCase, TargetLimits } from "./case.js";
import { allCases } from "./cases/index.js";
import { ClientPool } from "./client.js";
import { computeCoverage } from "./coverage.js";
import { ConformanceError, SuiteTableError, TargetUnreachableError, UsageError } from "./errors.js";
import { applyBaseline } from "./expect.js";
import { AnswerBook } from "./model.js";
import { repoRoot } from "./paths.js";
import {
  FAILURE_FILE_FORMAT,
  type FailureFile,
  formatReplay,
  type ReplaySpec,
  writeFailureFile,
} from "./replay.js";
import {
  assembleReport,
  type CaseResult,
  type FuzzFinding,
  REPORT_SCHEMA,
  type Report,
  type ReportHeader,
  type Verdict,
} from "./report.js";
import type { FlowSamples } from "./samples.js";
import { measureRoundTrip, type SanityResult, sanityCheck } from "./sanity.js";
import { selectCases } from "./selection.js";
import { describeStatus, type LaunchedTarget, launchTarget, parseTarget, type TargetSpec } from "./target.js";
import { Inconclusive, type Mismatch, NotApplicable, Violation } from "./verdicts.js";
import { within } from "./wait.js";
import { WireLog, type WireRecord } from "./wirelog.js";

export const SUITE_VERSION: string = (
  JSON.parse(readFileSync(join(repoRoot, "conformance", "package.json"), "utf8")) as { version: string }
).version;

export interface ConformanceOptions {
  readonly target: string;
  readonly table?: string;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly runs?: number;
  readonly seed?: number;
  readonly strict?: boolean;
  /** Progress wait: how long without a byte before "no answer" (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly limits?: {
    maxQuestion?: number;
    idleTimeoutSec?: number;
    maxConnections?: number;
    shutdownTimeoutSec?: number;
  };
  readonly signal?: AbortSignal;
  /** Rerun exactly one counterexample. */
  readonly replay?: ReplaySpec;
  /** Case ids of known failures (from an expect file), and the file's name for the report. */
  readonly expectedFailures?: readonly string[];
  readonly expectFile?: string;
  /** Keep running the properties with fresh seeds this long, saving every counterexample. */
  readonly fuzzMs?: number;
  /** Where --fuzz and failing runs write failure files (default: none for runs, ./conformance-failures for fuzz). */
  readonly failuresDir?: string;
  /**
   * Called with the report's header as soon as it is known, and again when it changes (the target
   * launched, the waits measured), so that a caller can write a partial report at any moment.
   */
  readonly onHeader?: (header: ReportHeader) => void;
  /** Called after every case (progress output). */
  readonly onCase?: (result: CaseResult) => void;
  /** The command prefix for replay commands in the report. */
  readonly commandPrefix?: string;
  readonly startTimeoutMs?: number;
  /** The cases to choose from (default: every case of the suite). */
  readonly cases?: readonly ConformanceCase[];
}

/** What the suite passes to node and bun targets it launches (declared in the report header). */
export const LAUNCH_DEFAULTS = { idleTimeoutSec: 10, maxConnections: 256, shutdownTimeoutSec: 10 } as const;

const PROPERTY_TIME_BUDGET_MS = 90_000;
const RESTART_ATTEMPTS = 2;
/** A target restarted because it broke gets this long after SIGTERM before SIGKILL. */
const RESTART_GRACE_MS = 2000;

function checkRange(name: keyof typeof LIMITS, value: number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const range = LIMITS[name];
  if (!Number.isFinite(value) || value < range.floor || value > range.ceiling) {
    throw new UsageError(
      `${flag} must be from ${range.floor} to ${range.ceiling} ${range.unit} (the spec's floor and ceiling), got ${value}`,
    );
  }
  return value;
}

function resolveLimits(options: ConformanceOptions, spec: TargetSpec): TargetLimits & { source: string } {
  const maxQuestion = checkRange("maxQuestionBytes", options.limits?.maxQuestion, "--max-question");
  const idle = checkRange("idleTimeoutSeconds", options.limits?.idleTimeoutSec, "--idle-timeout");
  const conns = checkRange("maxConnections", options.limits?.maxConnections, "--max-connections");
  const shutdown = checkRange(
    "shutdownTimeoutSeconds",
    options.limits?.shutdownTimeoutSec,
    "--shutdown-timeout",
  );
  const ours = spec.kind === "node" || spec.kind === "bun";
  const deadline = shutdown ?? (ours ? LAUNCH_DEFAULTS.shutdownTimeoutSec : undefined);
  return {
    maxQuestion: maxQuestion ?? LIMITS.maxQuestionBytes.default,
    idleTimeoutSec: idle ?? (ours ? LAUNCH_DEFAULTS.idleTimeoutSec : LIMITS.idleTimeoutSeconds.default),
    maxConnections: conns ?? (ours ? LAUNCH_DEFAULTS.maxConnections : LIMITS.maxConnections.default),
    ...(deadline !== undefined ? { shutdownTimeoutSec: deadline } : {}),
    source: ours
      ? "set by the suite on the server's command line"
      : options.limits
        ? "declared with flags (others: spec defaults)"
        : "spec defaults (the target's own are not known)",
  };
}

function serverArgsFor(spec: TargetSpec, limits: TargetLimits, tablePath: string): string[] {
  if (spec.kind !== "node" && spec.kind !== "bun") return [];
  return [
    "--table",
    tablePath,
    "--max-question",
    String(limits.maxQuestion),
    "--idle-timeout",
    String(limits.idleTimeoutSec),
    "--max-connections",
    String(limits.maxConnections),
    "--shutdown-timeout",
    String(limits.shutdownTimeoutSec ?? LAUNCH_DEFAULTS.shutdownTimeoutSec),
  ];
}

/** A per-case seed derived from the run seed and the case id, so --only reproduces a full run. */
export function caseSeed(runSeed: number, caseId: string): number {
  let h = (runSeed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < caseId.length; i++) h = Math.imul(h ^ caseId.charCodeAt(i), 0x01000193) >>> 0;
  return h & 0x7fffffff;
}

function keywordOf(ruleId: string): string {
  return rules.find((r) => r.id === ruleId)?.keyword ?? "MUST";
}

function verdictFor(ruleId: string, strict: boolean): Verdict {
  const keyword = keywordOf(ruleId);
  if (keyword.startsWith("MUST")) return "fail";
  if (keyword.startsWith("SHOULD")) return strict ? "fail" : "warn";
  return "info";
}

interface CaseOutcome {
  verdict: Verdict;
  violatedRule?: string;
  message?: string;
  transcript?: string;
  wire?: WireRecord;
  mismatch?: Mismatch;
  samples?: FlowSamples;
  path?: string;
  runs?: number;
  evidence?: Record<string, number | string>;
  targetDied?: boolean;
}

class Session {
  target!: LaunchedTarget;
  deadTarget = false;
  /** A case stopped the target on purpose (shutdown); it is started again only if a case needs it. */
  stoppedOnPurpose = false;
  private readonly controller = new AbortController();

  constructor(
    readonly spec: TargetSpec,
    readonly serverArgs: string[],
    readonly startTimeoutMs: number,
    /** How long a target gets to exit after SIGTERM when the run stops it: D plus a margin. */
    readonly stopTimeoutMs: number,
    outer: AbortSignal | undefined,
  ) {
    outer?.addEventListener("abort", () => this.controller.abort(), { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async start(): Promise<void> {
    this.target = await launchTarget(this.spec, {
      serverArgs: this.serverArgs,
      startTimeoutMs: this.startTimeoutMs,
      stopTimeoutMs: this.stopTimeoutMs,
    });
  }

  /** After a case stopped the target on purpose: kill what is left of it at once (it had its deadline). */
  async stopAfterCase(): Promise<void> {
    await this.target.stop({ graceMs: 0 });
    this.stoppedOnPurpose = true;
  }

  /** Starts the target again if a case stopped it; false when it cannot be started. */
  async ensureRunning(): Promise<boolean> {
    if (!this.stoppedOnPurpose) return true;
    this.stoppedOnPurpose = false;
    try {
      await this.start();
      return true;
    } catch {
      this.deadTarget = true;
      return false;
    }
  }

  /** True when a launched target's process has exited. */
  died(): boolean {
    return this.target.launched && this.target.exitStatus() !== null;
  }

  restarts = 0;

  async restart(): Promise<boolean> {
    if (!this.target.launched) return false;
    this.restarts++;
    await this.target.stop({ graceMs: RESTART_GRACE_MS });
    for (let attempt = 0; attempt < RESTART_ATTEMPTS; attempt++) {
      try {
        await this.start();
        return true;
      } catch {
        await sleep(500);
      }
    }
    this.deadTarget = true;
    return false;
  }
}

function makeContext(
  session: Session,
  book: AnswerBook,
  limits: TargetLimits,
  waits: { waitMs: number; floorMs: number; rttMs: number; pauseMs: number },
): CaseContext {
  const target = session.target;
  return {
    target,
    book,
    limits,
    waitMs: waits.waitMs,
    floorMs: waits.floorMs,
    rttMs: waits.rttMs,
    pauseMs: waits.pauseMs,
    signal: session.signal,
    pool: (log: WireLog) =>
      new ClientPool(target.host, target.port, log, Math.max(waits.waitMs, 5000), session.signal),
  };
}

/** The conversation a thrown Violation or Inconclusive carries: transcript, wire events, samples. */
function wireOf(error: Violation | Inconclusive): Partial<CaseOutcome> {
  return {
    ...(error.transcript !== undefined ? { transcript: error.transcript } : {}),
    ...(error.wire !== undefined ? { wire: error.wire } : {}),
    ...(error.samples !== undefined ? { samples: error.samples } : {}),
  };
}

/** Everything a thrown Violation or Inconclusive carries for the report besides its message. */
function carried(error: Violation | Inconclusive): Partial<CaseOutcome> {
  return {
    ...wireOf(error),
    ...(error instanceof Violation && error.evidence !== undefined ? { evidence: error.evidence } : {}),
    ...(error instanceof Violation && error.mismatch !== undefined ? { mismatch: error.mismatch } : {}),
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? String(error);
  return String(error);
}

/** Turns what a run threw into a verdict. */
function judge(error: unknown, strict: boolean, session: Session): CaseOutcome {
  const died = session.died();
  const status = session.target.exitStatus();
  if (error instanceof Violation && !(died && error.kind === "missing")) {
    return {
      verdict: verdictFor(error.rule, strict),
      violatedRule: error.rule,
      message:
        died && status ? `${error.message} (and the target died: ${describeStatus(status)})` : error.message,
      ...carried(error),
      targetDied: died,
    };
  }
  if (died && status) {
    return {
      verdict: "fail",
      violatedRule: "ROBUST-1",
      message: `ROBUST-1: expected the server to keep running, got its process ended (${describeStatus(status)})${error instanceof Violation ? `; the client saw: ${error.message}` : ""}`,
      ...(error instanceof Inconclusive || error instanceof Violation ? wireOf(error) : {}),
      targetDied: true,
    };
  }
  if (error instanceof NotApplicable) return { verdict: "not-applicable", message: error.message };
  if (error instanceof Inconclusive) {
    return { verdict: "error", message: error.message, ...carried(error) };
  }
  return { verdict: "error", message: `the harness could not judge: ${describeError(error)}` };
}

async function runOnce<T>(
  fn: (env: { log: WireLog; clients: ClientPool }) => Promise<T>,
  ctx: CaseContext,
  session: Session,
): Promise<T> {
  const log = new WireLog();
  const clients = ctx.pool(log);
  try {
    return await fn({ log, clients });
  } catch (error) {
    // A socket error may come just before the process exit is reported: give it a moment.
    if (session.target.launched && !session.died()) await within(session.target.exited(), 300);
    const transcript = log.render();
    if (error instanceof Violation || error instanceof Inconclusive) {
      error.transcript = transcript;
      error.wire = log.toRecord();
    } else if (session.died()) {
      const wrapped = new Inconclusive(describeError(error));
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
  ctx: CaseContext,
  session: Session,
  strict: boolean,
  seed: number,
  runs: number,
  path?: string,
): Promise<CaseOutcome> {
  let firstDeath: unknown = null;
  const predicate = async (value: unknown): Promise<void> => {
    if (ctx.signal.aborted) throw new Inconclusive("interrupted");
    if (firstDeath !== null) throw firstDeath; // the target is gone: shrinking would only mislead
    try {
      await runOnce((env) => c.check(ctx, value, env), ctx, session);
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
  const error = firstDeath ?? details.errorInstance;
  const outcome = judge(error, strict, session);
  return {
    ...outcome,
    runs: details.numRuns,
    ...(firstDeath === null && details.counterexamplePath ? { path: details.counterexamplePath } : {}),
    ...(firstDeath !== null ? { message: `${outcome.message ?? ""} (not shrunk: the target died)` } : {}),
  };
}

async function runScenario(
  c: ScenarioCase,
  ctx: CaseContext,
  session: Session,
  strict: boolean,
  seed: number,
): Promise<CaseOutcome> {
  try {
    const note = await runOnce((env) => c.run(ctx, env, seed), ctx, session);
    if (session.died() && !c.stopsTarget) return judge(new Error("the target died"), strict, session);
    return note
      ? {
          verdict: "pass",
          message: note.message,
          ...(note.evidence ? { evidence: note.evidence } : {}),
          ...(note.samples ? { samples: note.samples } : {}),
        }
      : { verdict: "pass" };
  } catch (error) {
    if (c.stopsTarget && error instanceof Violation) {
      return {
        verdict: verdictFor(error.rule, strict),
        violatedRule: error.rule,
        message: error.message,
        ...carried(error),
      };
    }
    return judge(error, strict, session);
  }
}

function runCase(
  c: ConformanceCase,
  ctx: CaseContext,
  session: Session,
  strict: boolean,
  seed: number,
  runs: number | undefined,
  path?: string,
): Promise<CaseOutcome> {
  if (c.launchedOnly && !ctx.target.launched) {
    return Promise.resolve({
      verdict: "not-applicable",
      message: "needs a target the suite launches (process evidence, signals)",
    });
  }
  if (c.kind === "property")
    return runProperty(c as PropertyCase<unknown>, ctx, session, strict, seed, runs ?? c.runs, path);
  return runScenario(c, ctx, session, strict, seed);
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@=,+-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function replayCommandFor(
  options: ConformanceOptions,
  tablePath: string,
  limits: TargetLimits,
  replay: string,
): string {
  const prefix = options.commandPrefix ?? "npx launcelot-conformance";
  const parts = [prefix, "--target", shellQuote(options.target)];
  if (options.table) parts.push("--table", shellQuote(tablePath));
  if (options.limits?.maxQuestion !== undefined) parts.push("--max-question", String(limits.maxQuestion));
  if (options.limits?.idleTimeoutSec !== undefined)
    parts.push("--idle-timeout", String(limits.idleTimeoutSec));
  if (options.limits?.maxConnections !== undefined)
    parts.push("--max-connections", String(limits.maxConnections));
  if (options.limits?.shutdownTimeoutSec !== undefined)
    parts.push("--shutdown-timeout", String(limits.shutdownTimeoutSec));
  if (options.strict) parts.push("--strict");
  parts.push("--replay", replay);
  return parts.join(" ");
}

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

/** Runs the suite against one target and returns the report (never throws for a target's flaws). */
export async function runConformance(options: ConformanceOptions): Promise<Report> {
  const started = Date.now();
  const spec = parseTarget(options.target);
  const limits = resolveLimits(options, spec);
  if (options.runs !== undefined && (!Number.isInteger(options.runs) || options.runs < 1))
    throw new UsageError(`--runs must be a positive integer, got ${options.runs}`);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
    throw new UsageError(`--seed must be an integer, got ${options.seed}`);
  if (options.timeoutMs !== undefined && (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 100))
    throw new UsageError(`--timeout must be at least 100 ms, got ${options.timeoutMs}`);
  const strict = options.strict ?? false;
  const suite = options.cases ?? allCases;
  const runSeed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);

  let selected: ConformanceCase[];
  if (options.replay) {
    const wanted = options.replay.caseId;
    const found = suite.find((c) => c.id === wanted);
    if (!found) throw new UsageError(`--replay: no case ${JSON.stringify(wanted)} (see --list)`);
    selected = [found];
  } else {
    selected = selectCases(suite, options.only ?? [], options.skip ?? []);
  }

  const tablePath = options.table ?? canonicalTablePath;
  let table: Awaited<ReturnType<typeof loadTableFile>>;
  try {
    table = await loadTableFile(tablePath);
  } catch (error) {
    if (error instanceof ConformanceError || (error as { code?: string }).code === "E_TABLE_INVALID")
      throw new SuiteTableError(describeError(error));
    throw error;
  }
  const book = new AnswerBook(table);

  let header: ReportHeader = {
    ...setupHeader(options.target, runSeed, strict, options.runs),
    launched: spec.kind !== "address",
    table: { name: table.name, path: tablePath, entries: table.entries.length },
    limits,
    startedAt: new Date(started).toISOString(),
  };
  options.onHeader?.(header);
  const deadlineSec = limits.shutdownTimeoutSec ?? LIMITS.shutdownTimeoutSeconds.ceiling;
  const session = new Session(
    spec,
    serverArgsFor(spec, limits, tablePath),
    options.startTimeoutMs ?? 20_000,
    (deadlineSec + 5) * 1000,
    options.signal,
  );
  await session.start();
  const cases: CaseResult[] = [];
  let incompleteReason: string | undefined;
  const counterexamples: string[] = [];
  /** Fuzz rounds after the first: every counterexample, so one report covers them all. */
  const found: FuzzFinding[] = [];
  let fuzzRounds = 0;
  try {
    const baseWait = options.timeoutMs ?? 5000;
    const first = await sanityCheck(session.target.host, session.target.port, book, baseWait);
    if (first.state === "refused") {
      throw new TargetUnreachableError(
        `target ${options.target} at ${session.target.host}:${session.target.port} refuses connections: ${first.detail}`,
      );
    }
    const processAtStart = await session.target.processEvidence();
    let processBeforeShutdown: Awaited<ReturnType<LaunchedTarget["processEvidence"]>> | undefined;
    const rtt =
      (await measureRoundTrip(session.target.host, session.target.port, book, baseWait)) ?? baseWait / 10;
    const waits = {
      rttMs: Math.round(rtt * 100) / 100,
      waitMs: Math.max(baseWait, Math.ceil(50 * rtt)),
      floorMs: Math.max(2000, Math.ceil(20 * rtt)),
      pauseMs: Math.min(50, Math.max(5, Math.ceil(2 * rtt))),
    };
    header = {
      ...header,
      launched: session.target.launched,
      waits: { ...waits, rule: "progress wait = max(--timeout, 50 x RTT); quiet floor = max(2 s, 20 x RTT)" },
    };
    options.onHeader?.(header);

    const ordered = [...selected.filter((c) => !c.last), ...selected.filter((c) => c.last)];
    const fuzzDeadline = options.fuzzMs !== undefined ? Date.now() + options.fuzzMs : undefined;
    const failuresDir =
      options.failuresDir ?? (fuzzDeadline !== undefined ? "conformance-failures" : undefined);
    let round = 0;
    do {
      const roundSeed = round === 0 ? runSeed : (runSeed + round * 7919) & 0x7fffffff;
      for (const c of round === 0 ? ordered : ordered.filter((x) => x.kind === "property")) {
        if (session.signal.aborted) {
          incompleteReason = "interrupted";
          break;
        }
        if (fuzzDeadline !== undefined && round > 0 && Date.now() > fuzzDeadline) break;
        const result = await runOneCase(c, roundSeed);
        if (round === 0) {
          cases.push(result);
          options.onCase?.(result);
        } else {
          const earlier = cases.find((x) => x.id === c.id);
          if (earlier && result.verdict === "fail" && earlier.verdict !== "fail")
            Object.assign(earlier, result);
        }
        const counterexample = result.verdict === "fail" || result.verdict === "warn";
        let file: string | undefined;
        if (counterexample && failuresDir && result.seed !== undefined) {
          file = await writeFailureFile(failuresDir, failureFileFor(result));
          counterexamples.push(file);
        }
        if (counterexample && round > 0) found.push({ round, ...(file ? { file } : {}), result });
        if (session.deadTarget || incompleteReason) break;
      }
      round++;
      fuzzRounds = round;
    } while (
      fuzzDeadline !== undefined &&
      Date.now() < fuzzDeadline &&
      !session.deadTarget &&
      !incompleteReason &&
      !session.signal.aborted
    );

    async function runOneCase(c: ConformanceCase, roundSeed: number): Promise<CaseResult> {
      const seed = options.replay ? options.replay.seed : caseSeed(roundSeed, c.id);
      const t0 = performance.now();
      if (!(await session.ensureRunning()))
        incompleteReason = `the target could not be started again for ${c.id}`;
      const before = await sanityCheck(session.target.host, session.target.port, book, waits.waitMs);
      if (before.state === "refused" && !(await recover(`before ${c.id}`))) {
        return {
          id: c.id,
          title: c.title,
          section: c.section,
          rules: [...c.rules],
          verdict: "error",
          message: `the target refuses connections before the case: ${before.detail}`,
          durationMs: 0,
        };
      }
      if (c.stopsTarget && processBeforeShutdown === undefined)
        processBeforeShutdown = await session.target.processEvidence();
      const ctx = makeContext(session, book, limits, waits);
      let outcome = await runCase(c, ctx, session, strict, seed, options.runs, options.replay?.path);
      const targetOutput = outcome.targetDied ? session.target.outputTail() : undefined;
      if (c.stopsTarget) {
        // The case stopped the target on purpose: whatever is left goes; a later case starts it again.
        if (session.target.launched) await session.stopAfterCase();
      } else if (outcome.targetDied || session.died()) {
        if (!outcome.targetDied && outcome.verdict !== "fail")
          outcome = judge(new Error("the target died"), strict, session);
        await recover(`after ${c.id}`);
      } else {
        // A server may still be releasing the case's connections (and be at its limit): retry
        // after coarse pauses before blaming the case.
        let after = await sanityCheck(session.target.host, session.target.port, book, waits.waitMs);
        for (let retry = 0; retry < 3 && afterBroken(before, after) && !session.died(); retry++) {
          await sleep(waits.floorMs);
          after = await sanityCheck(session.target.host, session.target.port, book, waits.waitMs);
        }
        if (afterBroken(before, after) && outcome.verdict !== "fail") {
          outcome = {
            ...outcome,
            verdict: "fail",
            violatedRule: "ROBUST-1",
            message: `ROBUST-1: expected the server to keep answering new connections after the case, got ${after.state}: ${after.detail}`,
          };
        }
        if (after.state === "refused" || (before.state === "ok" && after.state !== "ok"))
          await recover(`after ${c.id}`);
      }
      const replayable = c.kind === "property" || c.kind === "scenario";
      const result: CaseResult = {
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
        ...(outcome.runs !== undefined ? { runs: outcome.runs } : {}),
        ...(outcome.evidence ? { evidence: outcome.evidence } : {}),
        ...(outcome.samples ? { samples: outcome.samples } : {}),
        ...(targetOutput ? { targetOutput } : {}),
        durationMs: 0,
      };
      if ((outcome.verdict === "fail" || outcome.verdict === "warn") && replayable) {
        result.seed = seed;
        if (outcome.path) result.path = outcome.path;
        const replay = formatReplay({ caseId: c.id, seed, ...(outcome.path ? { path: outcome.path } : {}) });
        result.replayCommand = replayCommandFor(options, tablePath, limits, replay);
        if (!options.replay && !session.deadTarget && !session.signal.aborted) {
          const again = await runCase(
            c,
            makeContext(session, book, limits, waits),
            session,
            strict,
            seed,
            options.runs,
            outcome.path,
          );
          result.reproduced =
            again.verdict === outcome.verdict && again.violatedRule === outcome.violatedRule;
          if (again.targetDied || session.died()) await recover(`after replaying ${c.id}`);
        }
      }
      result.durationMs = Math.round(performance.now() - t0);
      return result;
    }

    function afterBroken(before: SanityResult, after: SanityResult): boolean {
      return before.state === "ok"
        ? after.state !== "ok"
        : before.state !== "refused" && after.state === "refused";
    }

    async function recover(when: string): Promise<boolean> {
      if (session.target.launched) {
        const ok = await session.restart();
        if (!ok) incompleteReason = `the target could not be restarted ${when}`;
        return ok;
      }
      // An address target cannot be restarted: give it a coarse moment to come back.
      for (let i = 0; i < 3; i++) {
        await sleep(waits.floorMs);
        const check = await sanityCheck(session.target.host, session.target.port, book, waits.waitMs);
        if (check.state !== "refused") return true;
      }
      incompleteReason = `the target stopped accepting connections ${when}`;
      session.deadTarget = true;
      return false;
    }

    function failureFileFor(result: CaseResult): FailureFile {
      const replay = formatReplay({
        caseId: result.id,
        seed: result.seed ?? 0,
        ...(result.path ? { path: result.path } : {}),
      });
      return {
        format: FAILURE_FILE_FORMAT,
        replay,
        case: result.id,
        seed: result.seed ?? 0,
        ...(result.path ? { path: result.path } : {}),
        target: options.target,
        table: tablePath,
        ...(result.violatedRule ? { rule: result.violatedRule } : {}),
        ...(result.message ? { message: result.message } : {}),
        ...(result.transcript ? { transcript: result.transcript } : {}),
        command: result.replayCommand ?? replayCommandFor(options, tablePath, limits, replay),
      };
    }

    if (session.signal.aborted) incompleteReason = "interrupted";
    const processAtEnd = processBeforeShutdown ?? (await session.target.processEvidence());
    const baseline = options.expectedFailures
      ? applyBaseline(cases, options.expectedFailures, options.expectFile ?? "(expect list)")
      : undefined;
    const report = assembleReport(header, cases, computeCoverage(suite), {
      ...(incompleteReason !== undefined ? { incompleteReason } : {}),
      durationMs: Date.now() - started,
    });
    return {
      ...report,
      ...(baseline ? { baseline } : {}),
      ...(fuzzDeadline !== undefined
        ? { fuzz: { durationMs: options.fuzzMs ?? 0, rounds: fuzzRounds, counterexamples, found } }
        : {}),
      ...(session.target.launched
        ? { process: { atStart: processAtStart, atEnd: processAtEnd, restarts: session.restarts } }
        : {}),
    };
  } finally {
    await session.target.stop();
  }
}

/** The documented margins of judgements that are not exact (also in README.md). */
export const MARGINS: Record<string, string> = {
  "slow-reader stall":
    "a write is stalled when write() returned false and no 'drain' came within the quiet floor; cap 128 MiB pushed",
  memory: "RESOURCE-3 fails when RSS grew by more than 64 MiB and by more than half the bytes pushed",
  descriptors:
    "RESOURCE-1 fails when the descriptor count stays above its level before the case for 5 quiet floors after the clients left",
  "idle cpu":
    "RESOURCE-2 warns when the target used more than 25% of one core over a 3 s window with only idle connections",
  "idle close": "IDLE-1 fails on a close before 0.9 x I; IDLE-2 warns when still open at I + max(5 s, I / 2)",
};
