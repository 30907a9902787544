/** Coverage computed from the case-to-rule map: for each rule, the cases that check it. */
import { rules } from "@bridgekeeper/spec/rules";
import type { ConformanceCase } from "./case.js";
import type { RuleCoverage } from "./report.js";

export function computeCoverage(cases: readonly ConformanceCase[]): {
  rules: RuleCoverage[];
  unchecked: string[];
} {
  const byRule = rules.map((rule) => ({
    id: rule.id,
    keyword: rule.keyword,
    section: rule.section,
    title: rule.title,
    cases: cases.filter((c) => c.rules.includes(rule.id)).map((c) => c.id),
  }));
  return { rules: byRule, unchecked: byRule.filter((r) => r.cases.length === 0).map((r) => r.id) };
}

/** Rule ids a case cites that the rule index does not hold (a suite bug, caught by a test). */
export function unknownRuleIds(cases: readonly ConformanceCase[]): string[] {
  const known = new Set(rules.map((r) => r.id));
  return cases.flatMap((c) => c.rules.filter((id) => !known.has(id)).map((id) => `${c.id}: ${id}`));
}
