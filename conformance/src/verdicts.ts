/** How a case run ends when it does not simply pass: thrown from inside a case, judged by the runner. */

/** A rule was violated: the case fails (MUST) or warns (SHOULD), naming this one rule. */
export class Violation extends Error {
  readonly code = "E_RULE_VIOLATED";
  transcript: string | undefined;
  /** Figures the case measured before it found the violation (shown with the verdict). */
  evidence: Record<string, number | string> | undefined;
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
  constructor(reason: string) {
    super(reason);
    this.name = "Inconclusive";
  }
}

/** The case passed but has something to report (evidence, an observation, a MAY). */
export interface CaseNote {
  readonly message: string;
  readonly evidence?: Record<string, number | string>;
}
