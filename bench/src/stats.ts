/**
 * The arithmetic of a benchmark: medians of interleaved rounds and ratios to a baseline measured in
 * the same rounds. Noisy shared machines make single runs meaningless; a round pairs a target with
 * its baseline under the same conditions, so ratios are taken per round, then their median.
 */

/** What one run (one target, one load, one round) measured. */
export interface RunMetrics {
  readonly answers: number;
  readonly seconds: number;
  readonly answersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** Connections that failed, reset or closed while the run needed them. */
  readonly errors: number;
  /** Answers that differed from the table's answer in any byte. */
  readonly wrong: number;
  /** Server CPU (user + system, all its processes) per 1000 answers; null when not launched. */
  readonly serverCpuMsPer1000: number | null;
  /** Server resident memory at the end of the run; null when not launched. */
  readonly serverRssBytes: number | null;
  /** The load generator's own CPU (all its threads) per answer. */
  readonly generatorCpuUsPerAnswer: number;
}

/** Medians over rounds; errors and wrong answers are totals (any one of them matters). */
export interface RunSummary {
  readonly rounds: number;
  readonly answersPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly errors: number;
  readonly wrong: number;
  readonly serverCpuMsPer1000: number | null;
  readonly serverRssBytes: number | null;
  readonly generatorCpuUsPerAnswer: number;
}

/** The median of finite values; NaN for none. The mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function medianOrNull(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return present.length === 0 ? null : median(present);
}

export function summarizeRounds(rounds: readonly RunMetrics[]): RunSummary {
  if (rounds.length === 0) throw new RangeError("summarizeRounds needs at least one round");
  return {
    rounds: rounds.length,
    answersPerSecond: median(rounds.map((r) => r.answersPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    p999Ms: median(rounds.map((r) => r.p999Ms)),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    wrong: rounds.reduce((sum, r) => sum + r.wrong, 0),
    serverCpuMsPer1000: medianOrNull(rounds.map((r) => r.serverCpuMsPer1000)),
    serverRssBytes: medianOrNull(rounds.map((r) => r.serverRssBytes)),
    generatorCpuUsPerAnswer: median(rounds.map((r) => r.generatorCpuUsPerAnswer)),
  };
}

/**
 * Per-round ratios target/baseline, pairing values of the same round (index). Rounds where either
 * value is missing or the baseline is not positive are left out.
 */
export function pairedRatios(
  target: readonly (number | null)[],
  baseline: readonly (number | null)[],
): number[] {
  const ratios: number[] = [];
  const count = Math.min(target.length, baseline.length);
  for (let i = 0; i < count; i++) {
    const t = target[i];
    const b = baseline[i];
    if (t === null || t === undefined || b === null || b === undefined) continue;
    if (!Number.isFinite(t) || !Number.isFinite(b) || b <= 0) continue;
    ratios.push(t / b);
  }
  return ratios;
}

/** The median of the per-round ratios; null when no round pairs up. */
export function pairedRatio(
  target: readonly (number | null)[],
  baseline: readonly (number | null)[],
): number | null {
  const ratios = pairedRatios(target, baseline);
  return ratios.length === 0 ? null : median(ratios);
}

/** The smallest and largest per-round ratio: how much the rounds disagreed. */
export function ratioRange(ratios: readonly number[]): { readonly min: number; readonly max: number } | null {
  return ratios.length === 0 ? null : { min: Math.min(...ratios), max: Math.max(...ratios) };
}

/** CPU per answer from a CPU time delta in ms and an answer count; null when nothing was answered. */
export function cpuMsPer1000(cpuMs: number, answers: number): number | null {
  return answers > 0 ? (cpuMs * 1000) / answers : null;
}

/** Memory per connection from two RSS samples (bytes); null when no connection was held. */
export function bytesPerConnection(rssBefore: number, rssAfter: number, connections: number): number | null {
  return connections > 0 ? (rssAfter - rssBefore) / connections : null;
}
