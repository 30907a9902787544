/** With --fuzz: one section covering every counterexample found, the first round's and the later ones. */
import { xmlEscape as esc } from "../render.js";
import type { CaseResult, Report } from "../report.js";
import { renderCase } from "./cases.js";

/** Diagrams drawn per case; further counterexamples of the same case are listed without one. */
const DIAGRAMS_PER_CASE = 3;

export function renderFuzz(report: Report): string {
  const fuzz = report.fuzz;
  if (!fuzz) return "";
  const first = report.cases.filter((c) => c.verdict === "fail" || c.verdict === "warn");
  const found: Array<{ round: number; file?: string; result: CaseResult }> = [
    ...first.map((result) => ({ round: 0, result })),
    ...(fuzz.found ?? []),
  ];
  const drawn = new Map<string, number>();
  const articles = found.map(({ round, file, result }) => {
    const n = (drawn.get(result.id) ?? 0) + 1;
    drawn.set(result.id, n);
    const tag = `round ${round + 1}${file ? `, ${file}` : ""}`;
    // Round 0's counterexamples are drawn under their section already.
    return round === 0
      ? `<p class="fuzz-ref">round 1: <a href="#case-${esc(result.id)}">${esc(result.id)}</a> ${esc(result.message ?? "")}</p>`
      : renderCase(result, { extra: tag, withDiagram: n <= DIAGRAMS_PER_CASE });
  });
  const files = fuzz.counterexamples.map((f) => `<li><code>${esc(f)}</code></li>`).join("");
  return [
    `<section id="fuzz"><h2>Fuzzing: every counterexample found</h2>`,
    `<p>${fuzz.rounds} rounds in ${(fuzz.durationMs / 1000).toFixed(0)} s; ${found.length} counterexamples (${first.length} in the first round, ${(fuzz.found ?? []).length} later).</p>`,
    files
      ? `<details class="files"><summary>failure files (${fuzz.counterexamples.length})</summary><ul>${files}</ul></details>`
      : "",
    ...articles,
    "</section>",
  ].join("\n");
}
