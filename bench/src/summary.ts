/**
 * From the runs of a benchmark to its figures: per target and load, the medians of the rounds and
 * the ratios to the same runtime's baseline, paired round by round. Pure; the CLI and tests share it.
 */
import type { IdleMetrics } from "./idle.js";
import {
  median,
  pairedRatios,
  type RunMetrics,
  type RunSummary,
  ratioRange,
  summarizeRounds,
} from "./stats.js";

export interface RunRecord {
  readonly round: number;
  readonly target: string;
  readonly load: string;
  readonly metrics: RunMetrics;
}

export interface LoadSummary {
  readonly target: string;
  readonly load: string;
  /** The baseline target the ratios compare with, or null. */
  readonly baseline: string | null;
  readonly summary: RunSummary;
  /** Server CPU per answer, target / baseline (median of per-round ratios). */
  readonly cpuRatio: number | null;
  /** The lowest and highest per-round CPU ratio. */
  readonly cpuRatioRange: { readonly min: number; readonly max: number } | null;
  /** Answers per second, target / baseline (median of per-round ratios). */
  readonly throughputRatio: number | null;
}

export interface TargetInfo {
  readonly label: string;
  /** The label of its baseline, or null. */
  readonly baseline: string | null;
}

function byRound(
  records: readonly RunRecord[],
  rounds: readonly number[],
  pick: (m: RunMetrics) => number | null,
) {
  return rounds.map((round) => {
    const record = records.find((r) => r.round === round);
    return record ? pick(record.metrics) : null;
  });
}

/** Summaries in target order, then load order, for every pair that has at least one run. */
export function summarizeRuns(
  records: readonly RunRecord[],
  targets: readonly TargetInfo[],
  loads: readonly string[],
): LoadSummary[] {
  const summaries: LoadSummary[] = [];
  const rounds = [...new Set(records.map((r) => r.round))].sort((a, b) => a - b);
  for (const target of targets) {
    for (const load of loads) {
      const own = records.filter((r) => r.target === target.label && r.load === load);
      if (own.length === 0) continue;
      const base =
        target.baseline === null
          ? []
          : records.filter((r) => r.target === target.baseline && r.load === load);
      const hasBase = base.length > 0;
      const cpuRatios = hasBase
        ? pairedRatios(
            byRound(own, rounds, (m) => m.serverCpuMsPer1000),
            byRound(base, rounds, (m) => m.serverCpuMsPer1000),
          )
        : [];
      const throughputRatios = hasBase
        ? pairedRatios(
            byRound(own, rounds, (m) => m.answersPerSecond),
            byRound(base, rounds, (m) => m.answersPerSecond),
          )
        : [];
      summaries.push({
        target: target.label,
        load,
        baseline: hasBase ? target.baseline : null,
        summary: summarizeRounds(own.map((r) => r.metrics)),
        cpuRatio: cpuRatios.length > 0 ? median(cpuRatios) : null,
        cpuRatioRange: ratioRange(cpuRatios),
        throughputRatio: throughputRatios.length > 0 ? median(throughputRatios) : null,
      });
    }
  }
  return summaries;
}

/** The order targets run in during round `round`: rotated, so no target always goes first. */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

export interface IdleRecord {
  readonly round: number;
  readonly target: string;
  readonly metrics: IdleMetrics;
}

export interface IdleSummary {
  readonly target: string;
  readonly rounds: number;
  readonly requested: number;
  /** The fewest connections held in any round. */
  readonly heldMin: number;
  readonly failed: number;
  readonly wrong: number;
  readonly rssBeforeBytes: number | null;
  readonly rssAfterBytes: number | null;
  /** Median over rounds of (RSS after - RSS before) / connections held. */
  readonly bytesPerConnection: number | null;
  readonly serverFdsGained: number | null;
}

function medianPresent(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : median(present);
}

export function summarizeIdle(records: readonly IdleRecord[], targets: readonly string[]): IdleSummary[] {
  const summaries: IdleSummary[] = [];
  for (const target of targets) {
    const own = records.filter((r) => r.target === target).map((r) => r.metrics);
    const first = own[0];
    if (first === undefined) continue;
    summaries.push({
      target,
      rounds: own.length,
      requested: first.requested,
      heldMin: Math.min(...own.map((m) => m.held)),
      failed: own.reduce((sum, m) => sum + m.failed, 0),
      wrong: own.reduce((sum, m) => sum + m.wrong, 0),
      rssBeforeBytes: medianPresent(own.map((m) => m.rssBeforeBytes)),
      rssAfterBytes: medianPresent(own.map((m) => m.rssAfterBytes)),
      bytesPerConnection: medianPresent(own.map((m) => m.bytesPerConnection)),
      serverFdsGained: medianPresent(own.map((m) => m.serverFdsGained)),
    });
  }
  return summaries;
}
