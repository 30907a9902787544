/** The library API of the conformance suite. */

export { BridgekeeperError, TableError, UsageError } from "@bridgekeeper/spec";
export { type CliArgs, HELP, parseArgs, parseDuration } from "./args.js";
export type { CaseContext, ConformanceCase, TargetLimits } from "./case.js";
export { allCases } from "./cases/index.js";
export { computeCoverage } from "./coverage.js";
export * from "./errors.js";
export { applyBaseline, parseExpectText, readExpectFile, renderExpectFile } from "./expect.js";
export { renderHtml } from "./html/page.js";
export { AnswerBook, ConversationModel, expectedReplies } from "./model.js";
export { renderJson, renderJunit, renderList, renderPretty, xmlEscape } from "./render.js";
export {
  type FailureFile,
  formatReplay,
  parseReplayString,
  type ReplaySpec,
  readReplayArgument,
} from "./replay.js";
export type { CaseResult, FuzzFinding, Report, Verdict } from "./report.js";
export { parseReporterSpecs, type ReporterSpec, renderReport, writeReports } from "./reporters.js";
export { type ConformanceOptions, LAUNCH_DEFAULTS, runConformance, SUITE_VERSION } from "./runner.js";
export { type FlowSample, FlowSampler, type FlowSamples, withFlowSampler } from "./samples.js";
export { type OurServer, ourServerCommand, runtimeExecutable } from "./servers.js";
export {
  freePort,
  type LaunchedTarget,
  type LaunchOptions,
  launchTarget,
  type ProcessEvidence,
  parseTarget,
  processGroupEvidence,
  type TargetSpec,
} from "./target.js";
export type { Mismatch } from "./verdicts.js";
export { compactEvents, type EventGroup, type WireRecord, type WireRecordEvent } from "./wirelog.js";
