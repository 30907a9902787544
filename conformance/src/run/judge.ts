/** The judge: what a case run threw, turned into a verdict naming one rule (spec section 14). */
import { firstLine } from "@bridgekeeper/spec";
import { rules } from "@bridgekeeper/spec/rules";
import type { CaseResult, Verdict } from "../report.js";
import { describeStatus, type ExitStatus } from "../target.js";
import { Inconclusive, NotApplicable, Violation } from "../verdicts.js";
import type { ShrinkReport } from "./property.js";

/** What one execution of a case came to, before the run adds its seed, replay and timing. */
export type CaseOutcome = Pick<
  CaseResult,
  | "verdict"
  | "violatedRule"
  | "message"
  | "transcript"
  | "wire"
  | "mismatch"
  | "diagnosis"
  | "samples"
  | "path"
  | "runs"
  | "evidence"
  | "notJudged"
> &
  OutcomeOnly;

/** What an outcome knows that the report does not keep as such. */
interface OutcomeOnly {
  targetDied?: boolean;
  /** A property's shrunk counterexample, run again with the full waits: did it fail the same way? */
  confirmed?: boolean;
  /** How the shrink went (properties that shrank). */
  shrink?: ShrinkReport;
}

/** The verdict a violated rule's keyword gives: MUST fails, SHOULD warns (fails under --strict), MAY informs. */
export function verdictFor(ruleId: string, strict: boolean): Verdict {
  const keyword = rules.find((r) => r.id === ruleId)?.keyword ?? "MUST";
  if (keyword.startsWith("MUST")) return "fail";
  if (keyword.startsWith("SHOULD")) return strict ? "fail" : "warn";
  return "info";
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
    ...(error instanceof Violation && error.diagnosis !== undefined ? { diagnosis: error.diagnosis } : {}),
  };
}

/** A violation as it stands. */
export function violationOutcome(error: Violation, strict: boolean): CaseOutcome {
  return {
    verdict: verdictFor(error.rule, strict),
    violatedRule: error.rule,
    message: error.message,
    ...carried(error),
  };
}

/**
 * Turns what a run threw into a verdict. `exit` is the target's exit status when its process is
 * gone: a client that only saw bytes go missing was seeing the death, which is ROBUST-1.
 */
export function judge(error: unknown, strict: boolean, exit: ExitStatus | null): CaseOutcome {
  const died = exit !== null;
  if (error instanceof Violation && !(died && error.kind === "missing")) {
    const outcome = violationOutcome(error, strict);
    const message = died ? `${error.message} (and the target died: ${describeStatus(exit)})` : error.message;
    return { ...outcome, message, targetDied: died };
  }
  if (exit !== null) {
    const saw = error instanceof Violation ? `; the client saw: ${error.message}` : "";
    return {
      verdict: "fail",
      violatedRule: "ROBUST-1",
      message: `ROBUST-1: expected the server to keep running, got its process ended (${describeStatus(exit)})${saw}`,
      ...(error instanceof Inconclusive || error instanceof Violation ? wireOf(error) : {}),
      targetDied: true,
    };
  }
  if (error instanceof NotApplicable) return { verdict: "not-applicable", message: error.message };
  if (error instanceof Inconclusive) return { verdict: "error", message: error.message, ...carried(error) };
  return { verdict: "error", message: `the harness could not judge: ${firstLine(error)}` };
}
