/**
 * Samples over time for the flow cases (slow reader, amplification, held half-close, shutdown):
 * every 100 ms, the bytes the client had pushed into the kernel and the bytes of replies it had
 * received; every 500 ms (and at the end) the server's RSS (launched targets: reading it scans
 * /proc, about 17 ms on a loaded 2-core machine with 80 processes). The HTML report draws them as a chart; the JSON
 * report carries them.
 *
 * The sampler's timer is ref'd only between start() and stop(): a case starts it and stops it in a
 * `finally`, so no timer outlives its case.
 */
import { Inconclusive, Violation } from "./verdicts.js";

/** What had crossed the wire, and the server's memory, at time `t`. */
export interface FlowSample {
  /** Milliseconds on the wire log's clock (the case run's start is 0). */
  readonly t: number;
  /** Bytes the client had handed to the kernel. */
  readonly pushedBytes: number;
  /** Bytes of replies the client had received. */
  readonly replyBytes: number;
  /** The target's resident memory (launched targets only). */
  readonly rssBytes?: number;
}

/** A moment worth marking on the chart ("writes stalled", "client reads", "FIN"). */
export interface FlowMark {
  readonly t: number;
  readonly label: string;
}

export interface FlowSamples {
  /** Milliseconds between samples (doubled each time a long case had its samples thinned). */
  readonly intervalMs: number;
  readonly points: FlowSample[];
  readonly marks: FlowMark[];
}

/** Where the sampler reads its figures. */
export interface FlowProbe {
  pushedBytes(): number;
  replyBytes(): number;
  /** Null when not visible (an address target, or the process is gone). */
  rssBytes(): Promise<number | null>;
}

export interface SamplerOptions {
  readonly intervalMs?: number;
  /** Past this many points, every other one is dropped and the interval doubles. */
  readonly maxPoints?: number;
  /** RSS is read at most this often (and at the end); points between have none. */
  readonly rssEveryMs?: number;
}

export class FlowSampler {
  private intervalMs: number;
  private readonly maxPoints: number;
  private readonly rssEveryMs: number;
  private lastRssAt = Number.NEGATIVE_INFINITY;
  private readonly points: FlowSample[] = [];
  private readonly marks: FlowMark[] = [];
  private probe: FlowProbe | null = null;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | null = null;
  private stopped = false;

  constructor(
    /** The clock of the case's wire log, so samples and wire events share one time base. */
    private readonly clock: () => number,
    options: SamplerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxPoints = Math.max(8, options.maxPoints ?? 1200);
    this.rssEveryMs = options.rssEveryMs ?? 500;
  }

  /** Takes a first sample now and one every interval until stop(). */
  start(probe: FlowProbe): void {
    if (this.stopped || this.probe !== null) return;
    this.probe = probe;
    this.tick();
  }

  mark(label: string, t = this.clock()): void {
    this.marks.push({ t: Math.round(t), label });
  }

  /** Stops the timer (idempotent), takes a last sample when it was running, and returns the samples. */
  async stop(): Promise<FlowSamples> {
    if (!this.stopped) {
      this.stopped = true;
      clearTimeout(this.timer);
      this.timer = undefined;
      await this.inFlight;
      if (this.probe !== null) await this.sample(true);
    }
    return this.snapshot();
  }

  /** True while a timer is pending (for tests: nothing outlives stop()). */
  get running(): boolean {
    return this.timer !== undefined || this.inFlight !== null;
  }

  snapshot(): FlowSamples {
    return { intervalMs: this.intervalMs, points: [...this.points], marks: [...this.marks] };
  }

  private tick(): void {
    this.inFlight = this.sample().finally(() => {
      this.inFlight = null;
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.intervalMs);
    });
  }

  private async sample(final = false): Promise<void> {
    const probe = this.probe as FlowProbe;
    const t = this.clock();
    const pushedBytes = probe.pushedBytes();
    const replyBytes = probe.replyBytes();
    let rss: number | null = null;
    if (final || t - this.lastRssAt >= this.rssEveryMs) {
      this.lastRssAt = t;
      rss = await probe.rssBytes().catch(() => null);
    }
    this.points.push({
      t: Math.round(t),
      pushedBytes,
      replyBytes,
      ...(rss !== null ? { rssBytes: rss } : {}),
    });
    if (this.points.length > this.maxPoints) this.thin();
  }

  /** Keeps every other point (the first and last always) and doubles the interval. */
  private thin(): void {
    const last = this.points[this.points.length - 1] as FlowSample;
    const kept = this.points.filter((_, i) => i % 2 === 0);
    if (kept[kept.length - 1] !== last) kept.push(last);
    this.points.splice(0, this.points.length, ...kept);
    this.intervalMs *= 2;
  }
}

/**
 * Runs `body` with a sampler (started by `body` once it has a probe) that is always stopped at the
 * end: the samples come back with the result, or go onto the Violation or Inconclusive it threw.
 */
export async function withFlowSampler<T>(
  clock: () => number,
  body: (sampler: FlowSampler) => Promise<T>,
): Promise<{ result: T; samples: FlowSamples }> {
  const sampler = new FlowSampler(clock);
  try {
    const result = await body(sampler);
    return { result, samples: await sampler.stop() };
  } catch (error) {
    const samples = await sampler.stop();
    if ((error instanceof Violation || error instanceof Inconclusive) && error.samples === undefined)
      error.samples = samples;
    throw error;
  } finally {
    await sampler.stop();
  }
}
