/** Report renderers: pretty (by section, h2spec style), JSON, JUnit XML. */
import type { ConformanceCase } from "./case.js";
import {
  type CaseResult,
  limitsLine,
  type Report,
  rulesNotJudged,
  servedAtOnceLine,
  type Verdict,
} from "./report.js";

const MARK: Record<Verdict, string> = {
  pass: "PASS",
  fail: "FAIL",
  warn: "WARN",
  info: "INFO",
  "not-applicable": "N/A ",
  error: "ERR ",
};

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((line) => by + line)
    .join("\n");
}

function sectionKey(section: string): number[] {
  return section.split(".").map(Number);
}

/** Orders by spec section number (5 before 5.1 before 10). */
export function bySection(a: { section: string }, b: { section: string }): number {
  const x = sectionKey(a.section);
  const y = sectionKey(b.section);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? -1) - (y[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

type Paint = (verdict: Verdict, text: string) => string;

const COLOUR: Record<Verdict, string> = {
  pass: "32",
  fail: "31",
  warn: "33",
  info: "36",
  "not-applicable": "90",
  error: "35",
};

function prettyHeader(report: Report): string[] {
  const lines = [`launcelot-conformance ${report.suiteVersion} (spec ${report.specVersion})`];
  lines.push(
    `target   ${report.target} (${report.targetKind}${report.launched ? ", launched by the suite" : ""})`,
  );
  const { table, limits, waits } = report;
  lines.push(
    table ? `table    ${table.name} (${table.entries} entries) ${table.path}` : "table    not loaded",
  );
  lines.push(
    `seed     ${report.seed}   runs ${report.runs ?? "defaults"}   strict ${report.strict ? "yes" : "no"}`,
  );
  if (limits) lines.push(`limits   ${limitsLine(limits)} (${limits.source})`);
  if (waits)
    lines.push(
      `waits    RTT ${waits.rttMs} ms; progress wait ${waits.waitMs} ms; quiet floor ${waits.floorMs} ms; pause ${waits.pauseMs} ms`,
    );
  if (report.unknownReply !== undefined)
    lines.push(
      `unknown  the target answers unknown questions with ${JSON.stringify(report.unknownReply)}: UNKNOWN-1 is judged by the cases that check it; the others take it as this server's unknown reply`,
    );
  if (report.unknownAnswered === false)
    lines.push(
      "unknown  an unknown question asked before the cases got no reply: replies to unknown questions that never come are UNKNOWN-1, and the flow cases push table questions only",
    );
  if (report.servedAtOnce) lines.push(`served   ${servedAtOnceLine(report.servedAtOnce)}`);
  if (report.setupError) lines.push(`SETUP ERROR [${report.setupError.code}]: ${report.setupError.message}`);
  if (report.process) {
    const show = (e: { fds: number; cpuMs: number; rssBytes: number } | null): string =>
      e ? `${e.fds} fds, ${e.cpuMs} ms CPU, ${(e.rssBytes / 1048576).toFixed(1)} MiB RSS` : "not visible";
    const { atStart, atEnd, restarts } = report.process;
    lines.push(`process  at start: ${show(atStart)}; at end: ${show(atEnd)}; restarts: ${restarts}`);
  }
  return lines;
}

function prettyCase(c: CaseResult, paint: Paint): string[] {
  const known = c.known ? " (known failure)" : "";
  const lines = [
    `  ${paint(c.verdict, MARK[c.verdict])} ${c.id}: ${c.title} [${c.rules.join(", ")}] ${(c.durationMs / 1000).toFixed(1)}s${known}`,
  ];
  if (c.message) lines.push(indent(c.message, "         "));
  for (const n of c.notJudged ?? []) lines.push(`         not judged: ${n.rule} (${n.reason})`);
  if (c.overlapped) lines.push(`         ran beside: ${c.overlapped.join(", ")}`);
  if (c.letGo) lines.push(`         let the next case start: ${c.letGo}`);
  if (c.evidence)
    lines.push(
      `         evidence: ${Object.entries(c.evidence)
        .map(([k, v]) => `${k}=${v}`)
        .join(", ")}`,
    );
  if (c.verdict !== "fail" && c.verdict !== "warn") return lines;
  if (c.reproduced !== undefined)
    lines.push(
      `         replayed once with the same seed: ${c.reproduced ? "reproduced" : "did NOT reproduce"}`,
    );
  if (c.shrink)
    lines.push(
      `         shrunk in ${(c.shrink.ms / 1000).toFixed(1)} s: ${c.shrink.steps} steps, ${c.shrink.tried} candidates${c.shrink.budgetSpent ? " (shrink budget spent)" : ""}; ${c.shrink.confirmed ? "confirmed with the full waits" : "NOT confirmed with the full waits"}`,
    );
  if (c.replayNote) lines.push(`         ${c.replayNote}`);
  if (c.replayCommand) lines.push(`         replay: ${c.replayCommand}`);
  if (c.transcript) lines.push("         transcript:", indent(c.transcript, "           "));
  if (c.targetOutput) lines.push("         target's last output:", indent(c.targetOutput, "           | "));
  return lines;
}

function prettyFooter(report: Report): string[] {
  const s = report.summary;
  const lines = [
    `${report.cases.length} cases: ${s.pass} passed, ${s.fail} failed, ${s.warn} warnings, ${s.info} info, ${s["not-applicable"]} not applicable, ${s.error} errors (${(report.durationMs / 1000).toFixed(1)} s)`,
  ];
  if (report.baseline) {
    const b = report.baseline;
    lines.push(
      `baseline ${b.file}: ${b.knownFailures.length} known; new failures: ${b.newFailures.join(", ") || "none"}; now passing (remove from the baseline): ${b.nowPassing.join(", ") || "none"}`,
    );
  }
  if (report.fuzz)
    lines.push(
      `fuzz: ${report.fuzz.rounds} rounds in ${(report.fuzz.durationMs / 1000).toFixed(0)} s; counterexamples saved: ${report.fuzz.counterexamples.join(", ") || "none"}`,
    );
  if (report.coverage.unchecked.length > 0)
    lines.push(`rules no case checks: ${report.coverage.unchecked.join(", ")}`);
  const notJudged = rulesNotJudged(report.cases);
  if (notJudged.length > 0)
    lines.push(
      `rules not judged in this run: ${notJudged.map((n) => `${n.rule} (${n.case}: ${n.reason})`).join("; ")}`,
    );
  if (report.incomplete) lines.push(`INCOMPLETE RUN: ${report.incompleteReason ?? "unknown reason"}`);
  lines.push(`exit code ${report.exitCode}`);
  return lines;
}

/** The report for a terminal (h2spec style): the header, the cases by spec section, the summary. */
export function renderPretty(report: Report, options: { color?: boolean } = {}): string {
  const paint: Paint = (verdict, text) => (options.color ? `\x1b[${COLOUR[verdict]}m${text}\x1b[0m` : text);
  const lines = [...prettyHeader(report), ""];
  let section = "";
  for (const c of [...report.cases].sort(bySection)) {
    if (c.section !== section) {
      section = c.section;
      lines.push(section);
    }
    lines.push(...prettyCase(c, paint));
  }
  lines.push("", ...prettyFooter(report));
  return `${lines.join("\n")}\n`;
}

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** XML 1.0 text: escape markup, drop characters XML cannot hold (control chars, lone surrogates). */
export function xmlEscape(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "'") out += "&apos;";
    else if (
      code === 0x9 ||
      code === 0xa ||
      code === 0xd ||
      (code >= 0x20 && code <= 0xd7ff) ||
      (code >= 0xe000 && code <= 0xfffd) ||
      code >= 0x10000
    )
      out += ch;
    else out += `\\u{${code.toString(16)}}`;
  }
  return out;
}

function junitCase(c: CaseResult, suite: string): string {
  const attrs = `classname="${xmlEscape(suite)}" name="${xmlEscape(`${c.id}: ${c.title}`)}" time="${(c.durationMs / 1000).toFixed(3)}"`;
  const details = [
    c.message ?? "",
    c.replayCommand ? `replay: ${c.replayCommand}` : "",
    c.transcript ? `transcript:\n${c.transcript}` : "",
    c.targetOutput ? `target output:\n${c.targetOutput}` : "",
  ]
    .filter((x) => x !== "")
    .join("\n\n");
  switch (c.verdict) {
    case "fail":
      if (c.known)
        return `    <testcase ${attrs}>\n      <skipped message="${xmlEscape(`known failure: ${c.message ?? ""}`)}"/>\n    </testcase>`;
      return `    <testcase ${attrs}>\n      <failure type="${xmlEscape(c.violatedRule ?? "fail")}" message="${xmlEscape(c.message ?? "")}">${xmlEscape(details)}</failure>\n    </testcase>`;
    case "error":
      return `    <testcase ${attrs}>\n      <error type="harness" message="${xmlEscape(c.message ?? "")}">${xmlEscape(details)}</error>\n    </testcase>`;
    case "not-applicable":
      return `    <testcase ${attrs}>\n      <skipped message="${xmlEscape(c.message ?? "not applicable")}"/>\n    </testcase>`;
    case "warn":
    case "info":
      return `    <testcase ${attrs}>\n      <system-out>${xmlEscape(`${c.verdict.toUpperCase()}: ${details}`)}</system-out>\n    </testcase>`;
    default:
      return `    <testcase ${attrs}/>`;
  }
}

export function renderJunit(report: Report): string {
  const sections = [...new Set([...report.cases].sort(bySection).map((c) => c.section))];
  const suites = sections.map((section) => {
    const cases = report.cases.filter((c) => c.section === section);
    const name = `launcelot ${section}`;
    const failures = cases.filter((c) => c.verdict === "fail" && !c.known).length;
    const errors = cases.filter((c) => c.verdict === "error").length;
    const skipped = cases.filter((c) => c.verdict === "not-applicable" || c.known).length;
    const time = cases.reduce((t, c) => t + c.durationMs, 0) / 1000;
    return `  <testsuite name="${xmlEscape(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time.toFixed(3)}">\n${cases.map((c) => junitCase(c, name)).join("\n")}\n  </testsuite>`;
  });
  if (report.setupError) {
    const { code, message } = report.setupError;
    suites.push(
      `  <testsuite name="launcelot setup" tests="1" failures="0" errors="1" skipped="0" time="0.000">\n    <testcase classname="launcelot setup" name="setup" time="0.000">\n      <error type="${xmlEscape(code)}" message="${xmlEscape(message)}">${xmlEscape(message)}</error>\n    </testcase>\n  </testsuite>`,
    );
  }
  const setup = report.setupError ? 1 : 0;
  const total = report.cases.length + setup;
  const failures = report.cases.filter((c) => c.verdict === "fail" && !c.known).length;
  const errors = report.cases.filter((c) => c.verdict === "error").length + setup;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${xmlEscape(`launcelot-conformance ${report.target}`)}" tests="${total}" failures="${failures}" errors="${errors}" time="${(report.durationMs / 1000).toFixed(3)}">\n${suites.join("\n")}\n</testsuites>\n`;
}

/** --list: every case with its section and rules, then the computed coverage. */
export function renderList(
  cases: readonly ConformanceCase[],
  coverage: { rules: Array<{ id: string; keyword: string; cases: string[] }>; unchecked: string[] },
): string {
  const lines = [...cases]
    .sort(bySection)
    .map(
      (c) =>
        `${c.section.padEnd(5)} ${c.id.padEnd(34)} ${c.rules.join(", ")}${c.launchedOnly ? "  (launched targets only)" : ""}`,
    );
  lines.push("", "rule coverage:");
  for (const rule of coverage.rules)
    lines.push(
      `  ${rule.id.padEnd(18)} ${rule.keyword.padEnd(7)} ${rule.cases.join(", ") || "-- no case --"}`,
    );
  lines.push("", `rules no case checks: ${coverage.unchecked.join(", ") || "none"}`);
  return `${lines.join("\n")}\n`;
}
