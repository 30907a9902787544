/** A report around given cases, for the renderers' tests (the header is fixed; `extra` overrides it). */
import { allCases } from "../src/cases/index.js";
import { computeCoverage } from "../src/coverage.js";
import { type CaseResult, exitCodeFor, REPORT_SCHEMA, type Report, summarize } from "../src/report.js";

export function reportOf(cases: CaseResult[], extra: Partial<Report> = {}): Report {
  return {
    schema: REPORT_SCHEMA,
    suiteVersion: "0.1.0",
    specVersion: "1.0.0",
    target: "exec:./srv --port {port} <&>",
    targetKind: "exec",
    launched: true,
    table: { name: "canonical", path: "/x/canonical.json", entries: 3 },
    seed: 7,
    runs: null,
    strict: false,
    limits: {
      maxQuestion: 4096,
      answeredQuestion: 4096,
      questionDeclared: true,
      idleTimeoutSec: 10,
      maxConnections: 256,
      shutdownTimeoutSec: null,
      probe: "floor",
      source: "declared",
    },
    waits: { rttMs: 0.3, waitMs: 5000, floorMs: 2000, pauseMs: 5, rule: "r" },
    margins: { memory: "m" },
    startedAt: new Date(0).toISOString(),
    durationMs: 1234,
    cases,
    summary: summarize(cases),
    coverage: computeCoverage(allCases),
    incomplete: false,
    exitCode: exitCodeFor(cases, false),
    ...extra,
  };
}
