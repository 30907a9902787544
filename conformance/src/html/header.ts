/** The report's header: target, table, limits and where they came from, seed, versions, outcome. */
import { formatSize } from "../bytes.js";
import { xmlEscape as esc } from "../render.js";
import { limitsLine, type Report, servedAtOnceLine, type Verdict } from "../report.js";

export const VERDICTS: readonly Verdict[] = ["pass", "fail", "warn", "info", "not-applicable", "error"];

/** The exit code in words, as the README's table says it. */
export function exitWords(code: Report["exitCode"]): string {
  return {
    0: "no failure",
    1: "at least one failure",
    2: "usage or setup error",
    3: "incomplete run",
  }[code];
}

function row(name: string, value: string): string {
  return `<dt>${esc(name)}</dt><dd>${value}</dd>`;
}

function limitsText(report: Report): string {
  const l = report.limits;
  if (!l) return "not known (the run stopped before)";
  return `${esc(limitsLine(l))} <span class="muted">(${esc(l.source)})</span>`;
}

function processText(report: Report): string {
  const p = report.process;
  if (!p) return "";
  const show = (e: { fds: number; cpuMs: number; rssBytes: number } | null): string =>
    e ? `${e.fds} fds, ${e.cpuMs} ms CPU, ${formatSize(e.rssBytes)} RSS` : "not visible";
  return row("process", esc(`at start ${show(p.atStart)}; at end ${show(p.atEnd)}; restarts ${p.restarts}`));
}

/** The verdict counts as badges (data-verdict and data-count for programs). */
export function renderCounts(report: Report): string {
  const items = VERDICTS.map(
    (v) =>
      `<span class="count verdict-${v}" data-verdict="${v}" data-count="${report.summary[v]}"><b>${report.summary[v]}</b> ${esc(v)}</span>`,
  );
  return `<p class="counts">${items.join(" ")} <span class="muted">of ${report.cases.length} cases</span></p>`;
}

/** Links to every failing or warning case (and errors), so the page reads failures first. */
function failureLinks(report: Report): string {
  const bad = report.cases.filter(
    (c) => c.verdict === "fail" || c.verdict === "warn" || c.verdict === "error",
  );
  if (bad.length === 0) return "";
  const links = bad.map(
    (c) =>
      `<a class="verdict-${c.verdict}" href="#case-${esc(c.id)}">${esc(c.id)}</a> <span class="muted">(${esc(c.violatedRule ?? c.verdict)})</span>`,
  );
  return `<p class="failures">Failures, warnings and errors: ${links.join(", ")}</p>`;
}

export function renderHeader(report: Report): string {
  const table = report.table
    ? `${esc(report.table.name)} (${report.table.entries} entries) <code>${esc(report.table.path)}</code>`
    : "not loaded";
  const w = report.waits;
  const rows = [
    row(
      "target",
      `<code>${esc(report.target)}</code> (${esc(report.targetKind)}${report.launched ? ", launched by the suite" : ""})`,
    ),
    row("table", table),
    row("limits", limitsText(report)),
    report.unknownReply !== undefined
      ? row(
          "unknown reply",
          `<code>${esc(JSON.stringify(report.unknownReply))}</code> <span class="muted">(this server's own: UNKNOWN-1 is judged by the cases that check it, the others take it as its unknown reply)</span>`,
        )
      : "",
    report.unknownAnswered === false
      ? row(
          "unknown reply",
          `none <span class="muted">(an unknown question asked before the cases got no reply: missing replies to unknown questions are UNKNOWN-1, and the flow cases push table questions only)</span>`,
        )
      : "",
    report.servedAtOnce ? row("served at once", esc(servedAtOnceLine(report.servedAtOnce))) : "",
    row(
      "seed",
      `${report.seed} <span class="muted">runs ${esc(String(report.runs ?? "per-property defaults"))}; strict ${report.strict ? "yes" : "no"}</span>`,
    ),
    row("versions", esc(`suite ${report.suiteVersion}, spec ${report.specVersion}`)),
    w
      ? row(
          "waits",
          esc(
            `RTT ${w.rttMs} ms; progress wait ${w.waitMs} ms; quiet floor ${w.floorMs} ms; pause ${w.pauseMs} ms`,
          ),
        )
      : "",
    row("started", `${esc(report.startedAt)}; took ${(report.durationMs / 1000).toFixed(1)} s`),
    processText(report),
    report.baseline
      ? row(
          "baseline",
          esc(
            `${report.baseline.file}: ${report.baseline.knownFailures.length} known; new failures: ${report.baseline.newFailures.join(", ") || "none"}; now passing: ${report.baseline.nowPassing.join(", ") || "none"}`,
          ),
        )
      : "",
    report.incomplete ? row("incomplete", esc(report.incompleteReason ?? "unknown reason")) : "",
    report.setupError
      ? row("setup error", esc(`[${report.setupError.code}] ${report.setupError.message}`))
      : "",
  ];
  return [
    `<header class="report-head exit-${report.exitCode}">`,
    `<h1>Launcelot conformance: <code>${esc(report.target)}</code></h1>`,
    `<p class="exit" data-exit-code="${report.exitCode}">exit code ${report.exitCode}: <b>${esc(exitWords(report.exitCode))}</b></p>`,
    renderCounts(report),
    failureLinks(report),
    `<dl class="facts">${rows.join("")}</dl>`,
    "</header>",
  ].join("\n");
}
