/** The whole result of a benchmark as text: command, machine, settings, tables, verdicts. */
import { formatMachine } from "./machine.js";
import { formatIdleTable, formatLoadTable } from "./report.js";
import type { BenchResult } from "./run.js";

export function renderText(result: BenchResult): string {
  const parts = [`command: ${result.command}`, `machine: ${formatMachine(result.machine)}`];
  const settings = result.settings;
  parts.push(
    settings.idleConnections !== null
      ? `settings: idle mode, ${settings.idleConnections} connections, ${settings.rounds} rounds (a fresh server each), table ${settings.table}`
      : `settings: ${settings.rounds} rounds, ${settings.durationSeconds} s measured after ${settings.warmupSeconds} s warm-up, ` +
          `${settings.clientWorkers} generator thread(s), table ${settings.table}`,
  );
  for (const t of result.targets) {
    if (t.serverArgs.length > 0) parts.push(`server args for ${t.label}: ${t.serverArgs.join(" ")}`);
  }
  if (result.loads.length > 0) parts.push("", formatLoadTable(result.loads));
  if (result.idle.length > 0) parts.push("", formatIdleTable(result.idle));
  if (result.goals.length > 0) parts.push("", "performance goals:", ...result.goals.map((g) => `  ${g}`));
  return `${parts.join("\n")}\n`;
}
