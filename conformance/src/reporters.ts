/**
 * Reporters: which report formats a run writes, and where. `--reporter` may be given several
 * times: `pretty`, `json`, `junit`, `html`, each bare (standard output, or `--out FILE` when it is
 * the only one) or as `NAME:FILE`. Reports are written synchronously: the process may be about to
 * exit.
 */
import { statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "@bridgekeeper/spec";
import { renderHtml } from "./html/page.js";
import { renderJson, renderJunit, renderPretty } from "./render.js";
import type { Report } from "./report.js";

export const REPORTER_NAMES = ["pretty", "json", "junit", "html"] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

/** One report to write: its format, and its file (none: standard output). */
export interface ReporterSpec {
  readonly name: ReporterName;
  readonly file?: string;
}

function isReporterName(text: string): text is ReporterName {
  return (REPORTER_NAMES as readonly string[]).includes(text);
}

function parseOne(value: string): ReporterSpec {
  const colon = value.indexOf(":");
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!isReporterName(name))
    throw new UsageError(
      `--reporter must be pretty, json, junit or html, optionally NAME:FILE; got ${JSON.stringify(value)}`,
    );
  if (colon < 0) return { name };
  const file = value.slice(colon + 1);
  if (file.trim() === "") throw new UsageError(`--reporter ${name}: needs a file name after the colon`);
  return { name, file };
}

/**
 * The reports a run writes, from every `--reporter` value and `--out` (pure: nothing is touched).
 * No value: pretty (to `--out` when given). `--out` goes with exactly one bare reporter. At most one
 * report goes to standard output, and no two to the same file.
 */
export function parseReporterSpecs(values: readonly string[], out?: string): ReporterSpec[] {
  let specs = (values.length === 0 ? ["pretty"] : values).map(parseOne);
  if (out !== undefined) {
    if (specs.length !== 1 || specs[0]?.file !== undefined)
      throw new UsageError(
        "--out goes with a single bare --reporter; with several reporters give each its file as NAME:FILE",
      );
    specs = [{ name: (specs[0] as ReporterSpec).name, file: out }];
  }
  const toStdout = specs.filter((s) => s.file === undefined);
  if (toStdout.length > 1)
    throw new UsageError(
      `only one report can go to standard output, got ${toStdout.map((s) => s.name).join(" and ")}: give the others a file (NAME:FILE)`,
    );
  const seen = new Set<string>();
  for (const spec of specs) {
    if (spec.file === undefined) continue;
    const key = resolve(spec.file);
    if (seen.has(key)) throw new UsageError(`--reporter: two reports would go to the same file ${spec.file}`);
    seen.add(key);
  }
  return specs;
}

/** A usage error now, before the run, for a report file whose folder does not exist. */
export function checkReportFiles(specs: readonly ReporterSpec[]): void {
  for (const spec of specs) {
    if (spec.file === undefined) continue;
    const folder = dirname(resolve(spec.file));
    let isFolder = false;
    try {
      isFolder = statSync(folder).isDirectory();
    } catch {
      // missing: said below
    }
    if (!isFolder)
      throw new UsageError(`--reporter ${spec.name}: cannot write ${spec.file}: no folder ${folder}`);
  }
}

export function renderReport(report: Report, spec: ReporterSpec): string {
  switch (spec.name) {
    case "json":
      return renderJson(report);
    case "junit":
      return renderJunit(report);
    case "html":
      return renderHtml(report);
    default:
      return renderPretty(report, { color: spec.file === undefined && process.stdout.isTTY });
  }
}

/** Whether the run prints its progress on stderr: not when its only output is pretty on stdout. */
export function showsProgress(specs: readonly ReporterSpec[]): boolean {
  const only = specs.length === 1 ? specs[0] : undefined;
  return !(only?.name === "pretty" && only.file === undefined);
}

/**
 * Writes every report (synchronously). A setup error's one line already said it all on a terminal,
 * so its pretty report is not printed on stdout. When no report went to stdout and one is not
 * pretty, the summary goes to stderr. Returns the reports that could not be written (each said in
 * one line on stderr).
 */
export function writeReports(report: Report, specs: readonly ReporterSpec[]): string[] {
  const failed: string[] = [];
  for (const spec of specs) {
    if (spec.file === undefined) {
      if (!(report.setupError && spec.name === "pretty")) process.stdout.write(renderReport(report, spec));
      continue;
    }
    try {
      writeFileSync(spec.file, renderReport(report, spec));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      process.stderr.write(
        `launcelot-conformance: could not write the ${spec.name} report to ${spec.file}: ${reason}\n`,
      );
      failed.push(spec.file);
    }
  }
  const toStdout = specs.some((s) => s.file === undefined);
  if (!toStdout && specs.some((s) => s.name !== "pretty") && !report.setupError)
    process.stderr.write(`${renderPretty(report).trimEnd().split("\n").slice(-4).join("\n")}\n`);
  return failed;
}
