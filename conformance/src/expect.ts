/**
 * The expect file: a baseline of known failures for a third party's CI. One case id per line, `#`
 * starts a comment. Known failures do not fail the run, new ones do, and cases listed that now pass
 * are reported so the baseline can shrink.
 */
import { readFile } from "node:fs/promises";
import { ExpectFileError } from "./errors.js";
import type { CaseResult } from "./report.js";

export function parseExpectText(text: string, file: string, knownIds: ReadonlySet<string>): string[] {
  const ids: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const content = line.replace(/#.*$/, "").trim();
    if (content === "") return;
    if (/\s/.test(content))
      throw new ExpectFileError(`${file}:${index + 1}: one case id per line, got ${JSON.stringify(content)}`);
    if (!knownIds.has(content))
      throw new ExpectFileError(`${file}:${index + 1}: no case ${JSON.stringify(content)} (see --list)`);
    ids.push(content);
  });
  return ids;
}

export async function readExpectFile(file: string, knownIds: ReadonlySet<string>): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ExpectFileError(
      `--expect ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  return parseExpectText(text, file, knownIds);
}

/** Marks known failures and computes the baseline section of the report. */
export function applyBaseline(
  cases: CaseResult[],
  knownFailures: readonly string[],
  file: string,
): { file: string; knownFailures: string[]; newFailures: string[]; nowPassing: string[] } {
  const known = new Set(knownFailures);
  const newFailures: string[] = [];
  const nowPassing: string[] = [];
  for (const c of cases) {
    if (c.verdict === "fail") {
      if (known.has(c.id)) c.known = true;
      else newFailures.push(c.id);
    } else if (known.has(c.id) && (c.verdict === "pass" || c.verdict === "warn" || c.verdict === "info")) {
      nowPassing.push(c.id);
    }
  }
  return { file, knownFailures: [...known], newFailures, nowPassing };
}

/** The expect file that lists exactly the failures of a report (to start a baseline). */
export function renderExpectFile(cases: readonly CaseResult[]): string {
  const failing = cases.filter((c) => c.verdict === "fail");
  return `${["# launcelot-conformance known failures: one case id per line", ...failing.map((c) => `${c.id}  # ${c.violatedRule ?? ""}`)].join("\n")}\n`;
}
