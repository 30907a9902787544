/** How a case run ends when it does not simply pass: thrown from inside a case, judged by the runner. */
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
export class Violation extends Error {
  readonly code = "E_RULE_VIOLATED";
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
  ) {
    super(`${rule}: expected ${expected}, got ${got}`);
    this.name = "Violation";
  }
}

/** The case does not apply to this target (e.g. process evidence for an address target). */
export class NotApplicable extends Error {
  readonly code = "E_NOT_APPLICABLE";
  constructor(reason: string) {
    super(reason);
    this.name = "NotApplicable";
  }
}

/** The harness could not judge (its own limits, an environment problem): verdict "error". */
export class Inconclusive extends Error {
  readonly code = "E_INCONCLUSIVE";
  transcript: string | undefined;
  wire: WireRecord | undefined;
  samples: FlowSamples | undefined;
  constructor(reason: string) {
    super(reason);
    this.name = "Inconclusive";
  }
}

/** The case passed but has something to report (evidence, an observation, a MAY). */
export interface CaseNote {
  readonly message: string;
  readonly evidence?: Record<string, number | string>;
  /** What a flow case sampled over time (bytes pushed, replies received, RSS). */
  readonly samples?: FlowSamples;
}

/** Attaches the first differing byte to a violation (for the HTML report's diagram); returns it. */
export function withMismatch(violation: Violation, mismatch: Mismatch): Violation {
  violation.mismatch = mismatch;
  return violation;
}
