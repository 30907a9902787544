/**
 * The target for the length of a run: launched (or reached), restarted when a case breaks it,
 * brought back for the next case when one stopped it on purpose. Its methods return what happened;
 * the caller decides what that means for the run.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { LIMITS } from "@bridgekeeper/spec";
import type { AnswerBook } from "../model.js";
import { sanityCheck } from "../sanity.js";
import { type LaunchedTarget, type LaunchOptions, launchTarget } from "../target.js";
import { type RunPlan, serverArgsFor } from "./plan.js";
import type { Waits } from "./waits.js";

const RESTART_ATTEMPTS = 2;
/** A target restarted because it broke gets this long after SIGTERM before SIGKILL. */
const RESTART_GRACE_MS = 2000;

/** True when a launched target's process has exited. */
export function died(target: LaunchedTarget): boolean {
  return target.launched && target.exitStatus() !== null;
}

export class Session {
  target!: LaunchedTarget;
  /** The target is gone for good (it could not be restarted, or an address stopped answering). */
  dead = false;
  /** Restarts after a case broke the target (not after a case stopped it on purpose). */
  restarts = 0;
  private stoppedOnPurpose = false;
  /** A recovery under way: cases running side by side that both find the target broken share it. */
  private recovering: Promise<string | undefined> | undefined;
  private readonly controller = new AbortController();
  private readonly serverArgs: string[];
  private readonly stopTimeoutMs: number;

  constructor(
    private readonly plan: RunPlan,
    outer: AbortSignal | undefined,
  ) {
    outer?.addEventListener("abort", () => this.controller.abort(), { once: true });
    this.serverArgs = serverArgsFor(plan);
    const deadline = plan.limits.shutdownTimeoutSec ?? LIMITS.shutdownTimeoutSeconds.ceiling;
    this.stopTimeoutMs = (deadline + 5) * 1000;
  }

  /** Aborts when the run is interrupted. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  async start(): Promise<void> {
    this.target = await launchTarget(this.plan.spec, this.launchOptions());
  }

  private launchOptions(): LaunchOptions {
    return {
      serverArgs: this.serverArgs,
      startTimeoutMs: this.plan.options.startTimeoutMs ?? 20_000,
      stopTimeoutMs: this.stopTimeoutMs,
    };
  }

  /** Another instance of the (launched) target, on its own port, with at most `fdLimit` descriptors; the caller stops it. */
  launchLimited(fdLimit: number): Promise<LaunchedTarget> {
    return launchTarget(this.plan.spec, { ...this.launchOptions(), fdLimit });
  }

  /** Another instance, launched as the run's target was. */
  launchInstance(): Promise<LaunchedTarget> {
    return launchTarget(this.plan.spec, this.launchOptions());
  }

  /** True when the current target's process has exited. */
  died(): boolean {
    return died(this.target);
  }

  /** After a case stopped the target on purpose: kill what is left of it at once (it had its deadline). */
  async stopAfterCase(): Promise<void> {
    if (!this.target.launched) return;
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
      this.dead = true;
      return false;
    }
  }

  /**
   * Brings a broken target back: a launched one is restarted, an address is given a few coarse
   * moments to answer again. Returns why it could not be, or undefined when it is back. `broken`
   * is the target the caller found broken: when another case already replaced it, nothing is done.
   */
  async recover(
    broken: LaunchedTarget,
    when: string,
    book: AnswerBook,
    waits: Waits,
  ): Promise<string | undefined> {
    if (this.recovering) return this.recovering;
    if (broken !== this.target) return undefined;
    this.recovering = this.recoverNow(when, book, waits).finally(() => {
      this.recovering = undefined;
    });
    return this.recovering;
  }

  private async recoverNow(when: string, book: AnswerBook, waits: Waits): Promise<string | undefined> {
    if (this.target.launched)
      return (await this.restart()) ? undefined : `the target could not be restarted ${when}`;
    for (let i = 0; i < 3; i++) {
      await sleep(waits.floorMs);
      const check = await sanityCheck(this.target.host, this.target.port, book, waits.waitMs);
      if (check.state !== "refused") return undefined;
    }
    this.dead = true;
    return `the target stopped accepting connections ${when}`;
  }

  private async restart(): Promise<boolean> {
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
    this.dead = true;
    return false;
  }
}
