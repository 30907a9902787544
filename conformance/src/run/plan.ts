/**
 * The plan of a run, from the caller's options: every option checked (limits by the spec's own
 * range check), the cases chosen and ordered, the table loaded, the target's limits resolved.
 * Everything a run needs to know before it touches the target; a bad option is a UsageError here.
 */
import {
  checkLimit,
  LIMITS,
  LimitError,
  type LimitName,
  type QuestionTable,
  UsageError,
} from "@bridgekeeper/spec";
import { canonicalTablePath, loadTableFile } from "@bridgekeeper/spec/table-file";
import type { ConformanceCase, TargetLimits } from "../case.js";
import { allCases } from "../cases/index.js";
import { AnswerBook } from "../model.js";
import { selectCases } from "../selection.js";
import { parseTarget, type TargetSpec } from "../target.js";
import { type ConformanceOptions, type DeclaredLimits, LAUNCH_DEFAULTS } from "./options.js";

export interface RunPlan {
  readonly options: ConformanceOptions;
  readonly spec: TargetSpec;
  readonly limits: TargetLimits & { readonly source: string };
  readonly strict: boolean;
  readonly runSeed: number;
  /** Every case the run may choose from (coverage is computed over these). */
  readonly suite: readonly ConformanceCase[];
  /** The cases of the run, in order: background ones first, quiet ones after the others, those that stop the target last. */
  readonly cases: readonly ConformanceCase[];
  readonly tablePath: string;
  readonly table: QuestionTable;
  readonly book: AnswerBook;
  /** The progress wait asked for (--timeout); the run scales it with the target's round trip. */
  readonly baseWaitMs: number;
  /** Where failure files go; undefined: none are written. */
  readonly failuresDir: string | undefined;
}

/** One declared limit checked against the spec's floor and ceiling (a usage error, never a verdict). */
function declared(name: LimitName, value: number | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return checkLimit(name, value, flag);
  } catch (error) {
    if (error instanceof LimitError) throw new UsageError(error.message);
    throw error;
  }
}

/** What the report says of where the limits came from, limit by limit. */
function describeLimits(limits: TargetLimits, ours: boolean): string {
  if (ours) return "set by the suite on the server's command line";
  const undeclared = [
    limits.questionDeclared ? "" : "Q",
    limits.idleTimeoutSec === null ? "I" : "",
    limits.maxConnections === null ? "C" : "",
    limits.shutdownTimeoutSec === null ? "D" : "",
  ].filter((x) => x !== "");
  if (undeclared.length === 0) return "declared with flags";
  const at = limits.probe === "ceiling" ? "the floor and the ceiling" : "the floor";
  return `${undeclared.join(", ")} undeclared: judged at ${at} (spec section 14)${undeclared.length < 4 ? "; the others declared with flags" : ""}`;
}

function resolveTargetLimits(
  given: DeclaredLimits | undefined,
  spec: TargetSpec,
  probe: TargetLimits["probe"],
): RunPlan["limits"] {
  const ours = spec.kind === "node" || spec.kind === "bun";
  const q =
    declared("maxQuestionBytes", given?.maxQuestion, "--max-question") ??
    (ours ? LIMITS.maxQuestionBytes.default : undefined);
  const idle =
    declared("idleTimeoutSeconds", given?.idleTimeoutSec, "--idle-timeout") ??
    (ours ? LAUNCH_DEFAULTS.idleTimeoutSec : undefined);
  const conns =
    declared("maxConnections", given?.maxConnections, "--max-connections") ??
    (ours ? LAUNCH_DEFAULTS.maxConnections : undefined);
  const deadline =
    declared("shutdownTimeoutSeconds", given?.shutdownTimeoutSec, "--shutdown-timeout") ??
    (ours ? LAUNCH_DEFAULTS.shutdownTimeoutSec : undefined);
  const limits: TargetLimits = {
    maxQuestion: q ?? LIMITS.maxQuestionBytes.ceiling,
    answeredQuestion: q ?? LIMITS.maxQuestionBytes.floor,
    questionDeclared: q !== undefined,
    idleTimeoutSec: idle ?? null,
    maxConnections: conns ?? null,
    shutdownTimeoutSec: deadline ?? null,
    probe,
  };
  return { ...limits, source: describeLimits(limits, ours) };
}

function checkRunOptions(options: ConformanceOptions): void {
  if (options.runs !== undefined && (!Number.isInteger(options.runs) || options.runs < 1))
    throw new UsageError(`--runs must be a positive integer, got ${options.runs}`);
  if (options.seed !== undefined && !Number.isSafeInteger(options.seed))
    throw new UsageError(`--seed must be an integer, got ${options.seed}`);
  if (options.timeoutMs !== undefined && (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 100))
    throw new UsageError(`--timeout must be at least 100 ms, got ${options.timeoutMs}`);
}

function chooseCases(options: ConformanceOptions, suite: readonly ConformanceCase[]): ConformanceCase[] {
  let selected: ConformanceCase[];
  if (options.replay) {
    const wanted = options.replay.caseId;
    const found = suite.find((c) => c.id === wanted);
    if (!found) throw new UsageError(`--replay: no case ${JSON.stringify(wanted)} (see --list)`);
    selected = [found];
  } else {
    selected = selectCases(suite, options.only ?? [], options.skip ?? []);
  }
  // Background cases start first and run beside the rest; quiet ones after them; the last, last.
  const rank = (c: ConformanceCase): number =>
    c.last ? 3 : c.schedule === "background" ? 0 : c.schedule === "quiet" ? 2 : 1;
  return [...selected].sort((a, b) => rank(a) - rank(b));
}

export async function planRun(options: ConformanceOptions): Promise<RunPlan> {
  checkRunOptions(options);
  const spec = parseTarget(options.target);
  const suite = options.cases ?? allCases;
  const cases = chooseCases(options, suite);
  const tablePath = options.table ?? canonicalTablePath();
  const table = await loadTableFile(tablePath);
  return {
    options,
    spec,
    limits: resolveTargetLimits(options.limits, spec, options.probe ?? "floor"),
    strict: options.strict ?? false,
    runSeed: options.seed ?? Math.floor(Math.random() * 0x7fffffff),
    suite,
    cases,
    tablePath,
    table,
    book: new AnswerBook(table),
    baseWaitMs: options.timeoutMs ?? 5000,
    failuresDir: options.failuresDir ?? (options.fuzzMs !== undefined ? "conformance-failures" : undefined),
  };
}

/** The flags our own servers are launched with: the plan's table and limits. */
export function serverArgsFor(plan: RunPlan): string[] {
  if (plan.spec.kind !== "node" && plan.spec.kind !== "bun") return [];
  const { limits } = plan;
  return [
    "--table",
    plan.tablePath,
    "--max-question",
    String(limits.maxQuestion),
    "--idle-timeout",
    String(limits.idleTimeoutSec ?? LAUNCH_DEFAULTS.idleTimeoutSec),
    "--max-connections",
    String(limits.maxConnections ?? LAUNCH_DEFAULTS.maxConnections),
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
