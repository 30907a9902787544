/**
 * Rendering results: Markdown tables (readable in a terminal, pasted as-is into BENCHMARKS.md), the
 * verdicts on the project's performance goals (BENCHMARKS.md), and JSON for machines.
 */
import type { IdleSummary, LoadSummary } from "./summary.js";

/** Goal: server CPU per answer within 1.15x of the same runtime's minimal server. */
export const CPU_RATIO_GOAL = 1.15;
/** Goal: memory per idle connection. */
export const IDLE_GOAL_BYTES: Readonly<Record<"node" | "bun", number>> = { node: 8 * 1024, bun: 4 * 1024 };

const MISSING = "-";

/** Three significant figures without exponent; "-" for null or NaN. */
export function formatNumber(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return MISSING;
  const size = Math.abs(value);
  if (size >= 100) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  if (size >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

export function formatRatio(value: number | null): string {
  return value === null || !Number.isFinite(value) ? MISSING : `${value.toFixed(2)}x`;
}

export function formatMiB(bytes: number | null): string {
  return bytes === null ? MISSING : (bytes / (1024 * 1024)).toFixed(1);
}

/** A Markdown table with columns padded to their widest cell; numeric columns right-aligned. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: readonly boolean[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? "").length)));
  const pad = (cell: string, i: number): string =>
    rightAligned[i] ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number);
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => pad(c, i)).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (rightAligned[i] ? `${"-".repeat(w + 1)}:` : `:${"-".repeat(w + 1)}`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export const LOAD_COLUMNS = [
  "target",
  "load",
  "answers/s",
  "x base",
  "p50 ms",
  "p99 ms",
  "p99.9 ms",
  "errors",
  "wrong",
  "srv CPU ms/1k",
  "CPU x base",
  "srv RSS MiB",
  "gen CPU us/ans",
] as const;

export function formatLoadTable(summaries: readonly LoadSummary[]): string {
  const rows = summaries.map((s) => [
    s.target,
    s.load,
    s.summary.answersPerSecond.toFixed(0),
    formatRatio(s.throughputRatio),
    formatNumber(s.summary.p50Ms),
    formatNumber(s.summary.p99Ms),
    formatNumber(s.summary.p999Ms),
    String(s.summary.errors),
    String(s.summary.wrong),
    formatNumber(s.summary.serverCpuMsPer1000),
    formatRatio(s.cpuRatio),
    formatMiB(s.summary.serverRssBytes),
    formatNumber(s.summary.generatorCpuUsPerAnswer),
  ]);
  return markdownTable(LOAD_COLUMNS, rows, [
    false,
    false,
    ...Array<boolean>(LOAD_COLUMNS.length - 2).fill(true),
  ]);
}

export const IDLE_COLUMNS = [
  "target",
  "connections",
  "held (min)",
  "failed",
  "wrong",
  "RSS before MiB",
  "RSS after MiB",
  "bytes/conn",
  "KiB/conn",
  "srv fds gained",
] as const;

export function formatIdleTable(summaries: readonly IdleSummary[]): string {
  const rows = summaries.map((s) => [
    s.target,
    String(s.requested),
    String(s.heldMin),
    String(s.failed),
    String(s.wrong),
    formatMiB(s.rssBeforeBytes),
    formatMiB(s.rssAfterBytes),
    s.bytesPerConnection === null ? MISSING : s.bytesPerConnection.toFixed(0),
    s.bytesPerConnection === null ? MISSING : (s.bytesPerConnection / 1024).toFixed(2),
    s.serverFdsGained === null ? MISSING : s.serverFdsGained.toFixed(0),
  ]);
  return markdownTable(IDLE_COLUMNS, rows, [false, ...Array<boolean>(IDLE_COLUMNS.length - 1).fill(true)]);
}

export type Runtime = "node" | "bun";

/** One line per checkable performance goal: "met" or "MISSED" with the figures. */
export function goalLines(
  loads: readonly LoadSummary[],
  idle: readonly IdleSummary[],
  runtimeOf: (label: string) => Runtime | null,
): string[] {
  const lines: string[] = [];
  for (const s of loads) {
    if (s.baseline === null || s.cpuRatio === null || runtimeOf(s.target) === null) continue;
    const met = s.cpuRatio <= CPU_RATIO_GOAL;
    const range = s.cpuRatioRange
      ? `, rounds ${formatRatio(s.cpuRatioRange.min)}..${formatRatio(s.cpuRatioRange.max)}`
      : "";
    lines.push(
      `${met ? "met   " : "MISSED"} ${s.target} ${s.load}: server CPU per answer ${formatRatio(s.cpuRatio)} of ${s.baseline}${range} (goal <= ${CPU_RATIO_GOAL.toFixed(2)}x)`,
    );
  }
  for (const s of idle) {
    const runtime = runtimeOf(s.target);
    if (runtime === null || s.bytesPerConnection === null) continue;
    const goal = IDLE_GOAL_BYTES[runtime];
    const met = s.bytesPerConnection < goal;
    lines.push(
      `${met ? "met   " : "MISSED"} ${s.target} idle: ${(s.bytesPerConnection / 1024).toFixed(2)} KiB per connection (goal < ${goal / 1024} KiB)`,
    );
  }
  return lines;
}

/** JSON with NaN and Infinity as null, two-space indented. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? null : v),
    2,
  );
}
