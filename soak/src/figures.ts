/** A scenario's figures, each beside the bound it is judged by, and the numbers they are made of. */
import { formatNumber } from "@bridgekeeper/bench";

export interface Figure {
  readonly name: string;
  readonly value: string;
  /** What the spec or the server's limits allow; "-" for a figure only reported. */
  readonly bound: string;
  /** Within the bound; null when there is none. */
  readonly ok: boolean | null;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly server: string;
  readonly figures: Figure[];
  /** The measured numbers, for the JSON output. */
  readonly raw: Record<string, unknown>;
  /** Set when the scenario could not run to its end (a crash, a failed launch). */
  readonly error?: string;
}

export function reported(name: string, value: string): Figure {
  return { name, value, bound: "-", ok: null };
}

export function judged(name: string, value: string, bound: string, ok: boolean): Figure {
  return { name, value, bound, ok };
}

export const MiB = 1024 * 1024;

export function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

export function ms(value: number): string {
  return formatNumber(value);
}

/** "12.3 ms (4.10x quiet)": a latency beside the same clients' latency before the attack. */
export function againstQuiet(value: number, quiet: number): string {
  const ratio = quiet > 0 && Number.isFinite(value) ? ` (${(value / quiet).toFixed(2)}x quiet)` : "";
  return `${ms(value)} ms${ratio}`;
}

export function percentOfCore(cpuMs: number, windowMs: number): number {
  return windowMs > 0 ? (100 * cpuMs) / windowMs : Number.NaN;
}

export function allWithin(results: readonly ScenarioResult[]): boolean {
  return results.every((r) => r.error === undefined && r.figures.every((f) => f.ok !== false));
}
