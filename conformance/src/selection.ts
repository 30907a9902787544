/** --only and --skip: case ids (or id prefixes ending in '.'), rule ids, section numbers. */
import { UsageError } from "@bridgekeeper/spec";
import { rules } from "@bridgekeeper/spec/rules";
import type { ConformanceCase } from "./case.js";

function matches(c: ConformanceCase, pattern: string): boolean {
  if (c.id === pattern) return true;
  if (pattern.endsWith(".") && c.id.startsWith(pattern)) return true;
  if (c.rules.includes(pattern)) return true;
  if (/^\d+(\.\d+)*$/.test(pattern)) return c.section === pattern || c.section.startsWith(`${pattern}.`);
  return false;
}

/** Throws E_USAGE for a pattern that names no case, no rule and no section. */
export function checkPatterns(
  all: readonly ConformanceCase[],
  patterns: readonly string[],
  flag: string,
): void {
  const ruleIds = new Set(rules.map((r) => r.id));
  for (const pattern of patterns) {
    if (ruleIds.has(pattern)) continue;
    if (!all.some((c) => matches(c, pattern))) {
      throw new UsageError(`${flag} ${pattern}: no case, rule or section of that name (see --list)`);
    }
  }
}

export function selectCases(
  all: readonly ConformanceCase[],
  only: readonly string[],
  skip: readonly string[],
): ConformanceCase[] {
  checkPatterns(all, only, "--only");
  checkPatterns(all, skip, "--skip");
  return all.filter(
    (c) => (only.length === 0 || only.some((p) => matches(c, p))) && !skip.some((p) => matches(c, p)),
  );
}
