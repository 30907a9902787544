/** The coverage matrix: rules by cases, each cell coloured by the verdict of the case that checks it. */
import { bySection, xmlEscape as esc } from "../render.js";
import type { CaseResult, Report } from "../report.js";

const SYMBOL: Record<string, string> = {
  pass: "✓",
  fail: "✕",
  warn: "!",
  info: "i",
  "not-applicable": "–",
  error: "?",
  "not-run": "·",
  "not-judged": "∅",
};

/** Case ids as columns: the cases run (by section), then those of the suite this run did not select. */
function columns(report: Report): string[] {
  const run = [...report.cases].sort(bySection).map((c) => c.id);
  const all = report.coverage.rules.flatMap((r) => r.cases);
  return [...new Set([...run, ...all])];
}

function cell(rule: string, listed: boolean, result: CaseResult | undefined, caseId: string): string {
  const violated = result?.violatedRule === rule && (result.verdict === "fail" || result.verdict === "warn");
  if (!listed && !violated) return "<td></td>";
  const skipped = result?.notJudged?.find((n) => n.rule === rule);
  const verdict = skipped ? "not-judged" : result ? result.verdict : "not-run";
  const what = skipped ? `not judged: ${skipped.reason}` : result ? verdict : "not run";
  const title = `${rule} × ${caseId}: ${what}${violated ? ` (violated${listed ? "" : ", though the case does not list it"})` : ""}`;
  return `<td class="cell verdict-${verdict}${violated ? " violated" : ""}" title="${esc(title)}">${SYMBOL[verdict] ?? ""}</td>`;
}

export function renderCoverage(report: Report): string {
  const ids = columns(report);
  const results = new Map(report.cases.map((c) => [c.id, c]));
  const head = ids.map((id) => `<th class="case-col" scope="col"><span>${esc(id)}</span></th>`).join("");
  const rows = report.coverage.rules.map((rule) => {
    const listed = new Set(rule.cases);
    const cells = ids.map((id) => cell(rule.id, listed.has(id), results.get(id), id)).join("");
    const checkedBy =
      rule.cases.length === 0
        ? `<td class="unchecked-note">no case checks this rule</td>`
        : `<td class="muted">${rule.cases.length}</td>`;
    return `<tr class="rule${rule.cases.length === 0 ? " unchecked" : ""}" data-rule="${esc(rule.id)}"><th scope="row" title="${esc(rule.title)}">${esc(rule.id)}</th><td class="keyword">${esc(rule.keyword)}</td>${cells}${checkedBy}</tr>`;
  });
  const unchecked = report.coverage.unchecked;
  return [
    `<section id="coverage"><h2>Coverage: rules by cases</h2>`,
    `<p class="muted">A cell is a case that checks the rule, coloured by that case's verdict (✕ marks the rule a failure names; ∅ a rule the case could not judge in this run, for example at an undeclared limit; · a case this run did not select). ${unchecked.length > 0 ? `Rules no case checks: <b>${esc(unchecked.join(", "))}</b>.` : "Every rule is checked by a case."}</p>`,
    `<div class="matrix-wrap"><table class="matrix"><thead><tr><th scope="col">rule</th><th scope="col">keyword</th>${head}<th scope="col">cases</th></tr></thead>`,
    `<tbody>${rows.join("\n")}</tbody></table></div></section>`,
  ].join("\n");
}
