/**
 * Cases that judge their own instance of a launched target (started for the case, stopped after
 * it): they measure that process alone, so they can run beside the other cases.
 */
import type { CaseContext } from "../case.js";
import { describeStatus, type LaunchedTarget, type ProcessEvidence } from "../target.js";
import { Inconclusive, Violation } from "../verdicts.js";
import { within } from "../wait.js";

/** Runs `body` against a fresh instance (from `launch`), which is stopped afterwards. */
export async function withOwnInstance<T>(
  ctx: CaseContext,
  launch: () => Promise<LaunchedTarget>,
  what: string,
  survive: string,
  body: (own: CaseContext, target: LaunchedTarget) => Promise<T>,
): Promise<T> {
  const target = await launch().catch((error: Error) => {
    throw new Inconclusive(`could not start ${what}: ${error.message.split("\n")[0]}`);
  });
  try {
    return await body({ ...ctx, target }, target);
  } catch (error) {
    // A socket error may come just before the process exit is reported: give it a moment.
    if (target.exitStatus() === null) await within(target.exited(), 500);
    throw diedOr(target, error, survive);
  } finally {
    await target.stop({ graceMs: 2000 });
  }
}

/** A check that failed because the instance died is ROBUST-1, with its exit status. */
function diedOr(target: LaunchedTarget, error: unknown, survive: string): unknown {
  const status = target.exitStatus();
  if (status === null) return error;
  const saw = error instanceof Violation ? `; the client saw: ${error.message}` : "";
  return new Violation(
    "ROBUST-1",
    `the server to survive ${survive}`,
    `it exited (${describeStatus(status)})${saw}`,
  );
}

/** A launched target's process evidence (descriptors, CPU, RSS), or `error` when /proc does not show it. */
export async function evidenceOf(target: LaunchedTarget): Promise<ProcessEvidence> {
  const evidence = await target.processEvidence();
  if (!evidence)
    throw new Inconclusive("no process evidence: the target's process group is not visible in /proc");
  return evidence;
}
