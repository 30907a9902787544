/** The commands and failure files that replay a counterexample exactly. */
import { shellQuote } from "@bridgekeeper/client-kit";
import { programCommand } from "../program.js";
import { FAILURE_FILE_FORMAT, type FailureFile, formatReplay } from "../replay.js";
import type { CaseResult } from "../report.js";
import type { RunPlan } from "./plan.js";

/** The command line that reruns `replay` (CASE@SEED[:PATH]) against the same target, table and limits. */
export function replayCommandFor(plan: RunPlan, replay: string): string {
  const { options, limits } = plan;
  const parts = [options.commandPrefix ?? programCommand(), "--target", shellQuote(options.target)];
  if (options.table) parts.push("--table", shellQuote(plan.tablePath));
  const declared = options.limits ?? {};
  if (declared.maxQuestion !== undefined) parts.push("--max-question", String(limits.maxQuestion));
  if (declared.idleTimeoutSec !== undefined) parts.push("--idle-timeout", String(limits.idleTimeoutSec));
  if (declared.maxConnections !== undefined) parts.push("--max-connections", String(limits.maxConnections));
  if (declared.shutdownTimeoutSec !== undefined)
    parts.push("--shutdown-timeout", String(limits.shutdownTimeoutSec));
  if (options.strict) parts.push("--strict");
  parts.push("--replay", replay);
  return parts.join(" ");
}

/** The failure file of a failing or warning result (what --fuzz and --failures-dir write). */
export function failureFileFor(plan: RunPlan, result: CaseResult): FailureFile {
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
    target: plan.options.target,
    table: plan.tablePath,
    ...(result.violatedRule ? { rule: result.violatedRule } : {}),
    ...(result.message ? { message: result.message } : {}),
    ...(result.transcript ? { transcript: result.transcript } : {}),
    command: result.replayCommand ?? replayCommandFor(plan, replay),
  };
}
