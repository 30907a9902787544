/** How a case run ends when it does not simply pass: thrown from inside a case, judged by the runner. */
import { BridgekeeperError } from "@bridgekeeper/spec";
import type { Diagnosis } from "./diagnosis.js";
import type { FlowSamples } from "./samples.js";
import type { WireRecord } from "./wirelog.js";

/**
 * The first byte that differs from what the rule demanded: where (the offset in the bytes the
 * client received on connection `conn`), and what was expected and what came, as escaped excerpts
 * starting at that byte (or a phrase in parentheses, such as "(nothing more)").
 */
export interface Mismatch {
  readonly conn?: number;
  readonly offset: number;
  readonly expected: string;
  readonly got: string;
}

/** A rule was violated: the case fails (MUST) or warns (SHOULD), naming this one rule. */
export class Violation extends BridgekeeperError {
  transcript: string | undefined;
  /** The wire log as data (set by the runner with the transcript). */
  wire: WireRecord | undefined;
  /** Figures the case measured before it found the violation (shown with the verdict). */
  evidence: Record<string, number | string> | undefined;
  /** The first byte that differed from what the rule demanded, when the case knows it. */
  mismatch: Mismatch | undefined;
  /** What a flow case sampled over time before it found the violation. */
  samples: FlowSamples | undefined;
  constructor(
    readonly rule: string,
    readonly expected: string,
    readonly got: string,
    /** "missing": bytes never came (the connection closed or went silent); if the target died, that is the cause. */
    readonly kind: "wrong" | "missing" = "wrong",
    /** The fault that explains what came back, when the diagnosis found one (it names the rule). */
    readonly diagnosis?: Diagnosis,
  ) {
    super(
      "E_RULE_VIOLATED",
      `${rule}: ${diagnosis ? `${diagnosis.explanation}; ` : ""}expected ${expected}, got ${got}`,
    );
  }

  /** The same violation, named by a diagnosis: its rule and explanation come first. */
  diagnosed(diagnosis: Diagnosis): Violation {
    const named = new Violation(diagnosis.rule, this.expected, this.got, this.kind, diagnosis);
    named.mismatch = this.mismatch;
    named.evidence = this.evidence;
    return named;
  }
}

/** The case does not apply to this target (e.g. process evidence for an address target). */
export class NotApplicable extends BridgekeeperError {
  constructor(reason: string) {
    super("E_NOT_APPLICABLE", reason);
  }
}

/** The harness could not judge (its own limits, an environment problem): verdict "error". */
export class Inconclusive extends BridgekeeperError {
  transcript: string | undefined;
  wire: WireRecord | undefined;
  samples: FlowSamples | undefined;
  constructor(reason: string) {
    super("E_INCONCLUSIVE", reason);
  }
}

/** The case passed but has something to report (evidence, an observation, a MAY). */
export interface CaseNote {
  readonly message: string;
  readonly evidence?: Record<string, number | string>;
  /** What a flow case sampled over time (bytes pushed, replies received, RSS). */
  readonly samples?: FlowSamples;
  /** Rules the case could not judge for this target, each with why (shown in the report, never a silent pass). */
  readonly notJudged?: readonly NotJudged[];
}

/** A rule a case checks but did not judge in this run, and why (e.g. an undeclared limit). */
export interface NotJudged {
  readonly rule: string;
  readonly reason: string;
}

/** Attaches the first differing byte to a violation (for the HTML report's diagram); returns it. */
export function withMismatch(violation: Violation, mismatch: Mismatch): Violation {
  violation.mismatch = mismatch;
  return violation;
}
