/** The cases by spec section: verdict, rules, duration, evidence, replay command, and the pictures. */
import { bySection, xmlEscape as esc } from "../render.js";
import type { CaseResult, Report } from "../report.js";
import { renderFlowChart } from "./svg-chart.js";
import { renderSequence } from "./svg-sequence.js";

/** Text blocks (transcripts, target output) past this are cut to their head and tail. */
const MAX_TEXT = 12_000;

const BADGE: Record<string, string> = {
  pass: "PASS",
  fail: "FAIL",
  warn: "WARN",
  info: "INFO",
  "not-applicable": "N/A",
  error: "ERROR",
};

function clipText(text: string): string {
  if (text.length <= MAX_TEXT) return text;
  const half = MAX_TEXT / 2;
  return `${text.slice(0, half)}\n… ${text.length - MAX_TEXT} characters left out (the JSON report has them all) …\n${text.slice(-half)}`;
}

function evidenceList(evidence: Record<string, number | string>): string {
  const items = Object.entries(evidence).map(
    ([k, v]) => `<li><span class="key">${esc(k)}</span> ${esc(String(v))}</li>`,
  );
  return `<ul class="evidence">${items.join("")}</ul>`;
}

function replayBlock(c: CaseResult): string {
  if (!c.replayCommand) return "";
  const reproduced =
    c.reproduced === undefined
      ? ""
      : `<span class="muted">replayed once with the same seed: ${c.reproduced ? "reproduced" : "did NOT reproduce"}</span>`;
  return `<div class="replay"><code class="command">${esc(c.replayCommand)}</code><button type="button" class="copy" data-copy="${esc(c.replayCommand)}">Copy</button>${reproduced}</div>`;
}

/** The pictures of a case: its conversation (fail/warn) and its flow chart (flow cases). */
function pictures(c: CaseResult, withDiagram: boolean): string {
  const parts: string[] = [];
  if (withDiagram && c.wire && (c.verdict === "fail" || c.verdict === "warn" || c.verdict === "error")) {
    const events = c.wire.events.length + c.wire.dropped;
    parts.push(
      `<figure class="diagram">${renderSequence(c.wire, c.mismatch)}<figcaption>The conversation that broke ${esc(c.violatedRule ?? "the case")}: ${events} events${c.mismatch ? `; the first differing byte is marked (byte ${c.mismatch.offset} received on c${c.mismatch.conn ?? "?"})` : ""}.</figcaption></figure>`,
    );
  } else if (c.wire && (c.verdict === "fail" || c.verdict === "warn")) {
    parts.push(
      `<p class="muted">Diagram left out: this case has more counterexamples above; its failure file has the transcript.</p>`,
    );
  }
  if (c.samples && c.samples.points.length > 0)
    parts.push(
      `<figure class="chart">${renderFlowChart(c.samples)}<figcaption>Sampled every ${c.samples.intervalMs} ms: bytes pushed, bytes of replies received; the server's RSS every 500 ms.</figcaption></figure>`,
    );
  return parts.join("\n");
}

function textBlock(summary: string, text: string | undefined, cls: string): string {
  return text
    ? `<details class="${cls}"><summary>${esc(summary)}</summary><pre>${esc(clipText(text))}</pre></details>`
    : "";
}

/**
 * One case as an article; `anchor` gives it the id `case-ID` (once per page); `extra` adds a tag (a
 * fuzz round); `withDiagram` false leaves the SVG out.
 */
export function renderCase(
  c: CaseResult,
  options: { anchor?: boolean; extra?: string; withDiagram?: boolean } = {},
): string {
  const rules = c.rules
    .map((r) => `<span class="rule${r === c.violatedRule ? " violated" : ""}">${esc(r)}</span>`)
    .join(" ");
  const known = c.known ? ` <span class="tag">known failure</span>` : "";
  const extra = options.extra ? ` <span class="tag">${esc(options.extra)}</span>` : "";
  return [
    `<article class="case verdict-${c.verdict}"${options.anchor ? ` id="case-${esc(c.id)}"` : ""} data-case="${esc(c.id)}" data-verdict="${c.verdict}">`,
    `<header><span class="badge verdict-${c.verdict}">${BADGE[c.verdict] ?? esc(c.verdict)}</span> <code class="case-id">${esc(c.id)}</code> <span class="title">${esc(c.title)}</span>${known}${extra} <span class="rules">${rules}</span> <span class="duration">${(c.durationMs / 1000).toFixed(1)} s</span></header>`,
    c.message ? `<p class="message">${esc(c.message)}</p>` : "",
    c.evidence ? evidenceList(c.evidence) : "",
    replayBlock(c),
    pictures(c, options.withDiagram ?? true),
    textBlock("transcript", c.transcript, "transcript"),
    textBlock("the target's last output", c.targetOutput, "target-output"),
    "</article>",
  ]
    .filter((x) => x !== "")
    .join("\n");
}

export function renderCases(report: Report): string {
  const sorted = [...report.cases].sort(bySection);
  const sections = [...new Set(sorted.map((c) => c.section))];
  const blocks = sections.map((section) => {
    const cases = sorted.filter((c) => c.section === section);
    return `<section class="spec-section" data-section="${esc(section)}"><h3>Section ${esc(section)}</h3>\n${cases.map((c) => renderCase(c, { anchor: true })).join("\n")}\n</section>`;
  });
  return `<section id="cases"><h2>Cases by spec section</h2>\n${blocks.join("\n")}\n</section>`;
}
