/** The report: header, one result per case, coverage, exit code. Its JSON form is documented in README.md. */
import type { TargetLimits } from "./case.js";
import type { Diagnosis } from "./diagnosis.js";
import type { ServedAtOnce } from "./run/served-at-once.js";
import type { FlowSamples } from "./samples.js";
import type { ProcessEvidence } from "./target.js";
import type { Mismatch, NotJudged } from "./verdicts.js";
import type { WireRecord } from "./wirelog.js";

export type Verdict = "pass" | "fail" | "warn" | "info" | "not-applicable" | "error";

export const REPORT_SCHEMA = "launcelot-conformance-report/1";

export interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly section: string;
  readonly rules: string[];
  verdict: Verdict;
  /** The one rule a fail or warn violated. */
  violatedRule?: string;
  /** "RULE: expected ..., got ..." for fail/warn; the reason for error/not-applicable/info. */
  message?: string;
  /** What the client sent (split points, pauses), what came back. */
  transcript?: string;
  /** The same wire log as data: one event per write, read, pause, FIN, RST, stall (the HTML diagram). */
  wire?: WireRecord;
  /** The first byte that differed from what the rule demanded, when the case knows it. */
  mismatch?: Mismatch;
  /** The fault that explains what came back (it names the violated rule; its explanation leads the message). */
  diagnosis?: Diagnosis;
  /** Flow cases: bytes pushed, bytes of replies received and the server's RSS over time. */
  samples?: FlowSamples;
  seed?: number;
  path?: string;
  /** The exact command that reruns this counterexample. */
  replayCommand?: string;
  /** Whether a second run with the same seed and path failed the same way. */
  reproduced?: boolean;
  /** Why a failure was not replayed (a long case). */
  replayNote?: string;
  /** How long shrinking took, its steps (smaller counterexamples failing the same way) and candidates tried. */
  shrink?: { ms: number; steps: number; tried: number; budgetSpent: boolean; confirmed: boolean };
  /** Property runs made (properties only). */
  runs?: number;
  /** The target's last output, when it died during the case. */
  targetOutput?: string;
  /** Observations (process evidence, bytes pushed, ...). */
  evidence?: Record<string, number | string>;
  /** The cases that ran at the same time as this one (the runner overlaps cases that mostly wait). */
  overlapped?: string[];
  /** When the run of the case reported here started, in ms after the first case started. */
  startMs?: number;
  /** Why and when the case let the next one start beside it (it only waited: a reply missing, or shrinking). */
  letGo?: string;
  /** Rules the case checks but could not judge for this target in this run, each with why. */
  notJudged?: NotJudged[];
  /** Marked by the expect file: a known failure that does not fail the run. */
  known?: boolean;
  durationMs: number;
}

export interface RuleCoverage {
  readonly id: string;
  readonly keyword: string;
  readonly section: string;
  readonly title: string;
  readonly cases: string[];
}

/** What a run knows before its first case; null where a setup error came first. */
export interface ReportHeader {
  readonly schema: typeof REPORT_SCHEMA;
  readonly suiteVersion: string;
  readonly specVersion: string;
  readonly target: string;
  readonly targetKind: string;
  readonly launched: boolean;
  readonly table: { readonly name: string; readonly path: string; readonly entries: number } | null;
  readonly seed: number;
  /** --runs when given; null means each property's default. */
  readonly runs: number | null;
  readonly strict: boolean;
  readonly limits: (TargetLimits & { readonly source: string }) | null;
  readonly waits: { rttMs: number; waitMs: number; floorMs: number; pauseMs: number; rule: string } | null;
  readonly margins: Record<string, string>;
  readonly startedAt: string;
  /** The target's own reply to unknown questions, when it consistently sends another than the spec's. */
  readonly unknownReply?: string;
  /** False when an unknown question asked before the cases got no reply (the connection closed, was reset, or went silent). */
  readonly unknownAnswered?: false;
  /**
   * Set when, before the cases, connections held open at once were not all answered, and another
   * was only once the answered ones closed (FAIR-1 seen with the full wait): the cases then decide a
   * missing reply after `missingWaitMs`, the quiet floor.
   */
  readonly servedAtOnce?: ServedAtOnce & { readonly missingWaitMs: number };
}

/** A setup error that ended the run before or between cases (exit 2): its code and one line. */
export interface SetupErrorInfo {
  readonly code: string;
  readonly message: string;
}

export interface Report extends ReportHeader {
  durationMs: number;
  cases: CaseResult[];
  summary: Record<Verdict, number>;
  coverage: { rules: RuleCoverage[]; unchecked: string[] };
  baseline?: { file: string; knownFailures: string[]; newFailures: string[]; nowPassing: string[] };
  fuzz?: {
    durationMs: number;
    rounds: number;
    /** Failure files written, one per counterexample (round 0 included). */
    counterexamples: string[];
    /** The counterexamples the rounds after the first found (the first round's are in `cases`). */
    found?: FuzzFinding[];
  };
  /** Launched targets: what the operating system showed of the process group at start and end, and restarts. */
  process?: { atStart: ProcessEvidence | null; atEnd: ProcessEvidence | null; restarts: number };
  incomplete: boolean;
  incompleteReason?: string;
  /** Set when a setup error ended the run (then exitCode is 2). */
  setupError?: SetupErrorInfo;
  exitCode: 0 | 1 | 2 | 3;
}

/** A counterexample found by a fuzz round after the first: its round, failure file and result. */
export interface FuzzFinding {
  readonly round: number;
  readonly file?: string;
  readonly result: CaseResult;
}

/** The header's line for a target seen to serve a bounded number of clients at a time. */
export function servedAtOnceLine(seen: NonNullable<ReportHeader["servedAtOnce"]>): string {
  return `${seen.answered} of ${seen.held} connections held open at once were answered; the others got no reply for ${(seen.waitedMs / 1000).toFixed(1)} s, until those closed (FAIR-1): the cases decide that a reply is missing after the quiet floor of ${(seen.missingWaitMs / 1000).toFixed(1)} s`;
}

/** The limits as one line: declared values, and how each undeclared one is judged (spec section 14). */
export function limitsLine(limits: TargetLimits): string {
  const q = limits.questionDeclared
    ? `Q=${limits.maxQuestion} bytes`
    : `Q undeclared (${limits.answeredQuestion} answered, acted on by ${limits.maxQuestion + 1})`;
  const i =
    limits.idleTimeoutSec !== null
      ? `I=${limits.idleTimeoutSec} s`
      : `I undeclared (${limits.probe === "ceiling" ? "floor 10 s and ceiling 600 s" : "floor 10 s; IDLE-2 not judged"})`;
  const c =
    limits.maxConnections !== null
      ? `C=${limits.maxConnections}`
      : "C undeclared (128 served; CONN-2 not judged)";
  const d =
    limits.shutdownTimeoutSec !== null ? `D=${limits.shutdownTimeoutSec} s` : "D undeclared (ceiling 30 s)";
  return `${q}, ${i}, ${c}, ${d}`;
}

/** Every rule some case did not judge in this run, with the case and the reason. */
export function rulesNotJudged(cases: readonly CaseResult[]): Array<NotJudged & { readonly case: string }> {
  return cases.flatMap((c) => (c.notJudged ?? []).map((n) => ({ ...n, case: c.id })));
}

/** How a run ended, for assembling its report. */
export interface RunEnding {
  /** Why the run did not reach its end; undefined when it did. */
  readonly incompleteReason?: string;
  readonly setupError?: SetupErrorInfo;
  readonly durationMs: number;
}

/**
 * The report of a run from its header, the cases done so far and how it ended: the one place a
 * report is put together, for a finished run, an interrupted one and one a setup error stopped.
 */
export function assembleReport(
  header: ReportHeader,
  cases: readonly CaseResult[],
  coverage: Report["coverage"],
  ending: RunEnding,
): Report {
  const incomplete = ending.incompleteReason !== undefined || ending.setupError !== undefined;
  return {
    ...header,
    durationMs: ending.durationMs,
    cases: [...cases],
    summary: summarize(cases),
    coverage,
    incomplete,
    ...(ending.incompleteReason !== undefined ? { incompleteReason: ending.incompleteReason } : {}),
    ...(ending.setupError ? { setupError: ending.setupError } : {}),
    exitCode: ending.setupError ? 2 : exitCodeFor(cases, incomplete),
  };
}

export function summarize(cases: readonly CaseResult[]): Record<Verdict, number> {
  const summary: Record<Verdict, number> = {
    pass: 0,
    fail: 0,
    warn: 0,
    info: 0,
    "not-applicable": 0,
    error: 0,
  };
  for (const c of cases) summary[c.verdict]++;
  return summary;
}

/** 0 no failure; 1 a failure (not known from the baseline); 3 incomplete (died, interrupted, unjudged). */
export function exitCodeFor(cases: readonly CaseResult[], incomplete: boolean): 0 | 1 | 3 {
  if (cases.some((c) => c.verdict === "fail" && !c.known)) return 1;
  if (incomplete || cases.some((c) => c.verdict === "error")) return 3;
  return 0;
}
