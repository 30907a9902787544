/** The soak run as Markdown, one table per server, in the form RELIABILITY.md shows it. */
import { describeMachine, formatMachine, markdownTable } from "@bridgekeeper/bench";
import type { ScenarioResult } from "./figures.js";
import type { SoakRun } from "./run.js";

const COLUMNS = ["scenario", "figure", "value", "bound", "within"] as const;

function verdict(ok: boolean | null): string {
  return ok === null ? "-" : ok ? "yes" : "**NO**";
}

function rowsOf(result: ScenarioResult): string[][] {
  if (result.error !== undefined)
    return [[result.scenario, "**did not complete**", result.error.replaceAll("|", "/"), "-", "**NO**"]];
  return result.figures.map((f) => [result.scenario, f.name, f.value, f.bound, verdict(f.ok)]);
}

export function renderMarkdown(run: SoakRun, command: string): string {
  const lines: string[] = [
    `Command: \`${command}\` (${run.short ? "short form" : "full run"}), started ${run.startedAt}, took ${(run.durationMs / 60_000).toFixed(1)} min.`,
    `Machine: ${formatMachine(describeMachine())}.`,
    "",
  ];
  const servers = [...new Set(run.results.map((r) => r.server))];
  for (const server of servers) {
    const rows = run.results.filter((r) => r.server === server).flatMap(rowsOf);
    lines.push(`### ${server}`, "", markdownTable(COLUMNS, rows, [false, false, true, false, false]), "");
  }
  const out = run.results.flatMap((r) =>
    r.error !== undefined
      ? [`${r.server} ${r.scenario}: did not complete`]
      : r.figures
          .filter((f) => f.ok === false)
          .map((f) => `${r.server} ${r.scenario}: ${f.name} = ${f.value}, bound ${f.bound}`),
  );
  lines.push(
    out.length === 0
      ? "Every judged figure is within its bound."
      : `Out of bounds:\n${out.map((l) => `- ${l}`).join("\n")}`,
  );
  return `${lines.join("\n")}\n`;
}
