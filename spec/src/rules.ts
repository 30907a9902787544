/** The machine-readable rule index (spec/rules.json), typed. */
import { readFileSync } from "node:fs";
import { findUpward } from "./paths.js";

export type RuleKeyword = "MUST" | "MUST NOT" | "SHOULD" | "SHOULD NOT" | "MAY";

export interface Rule {
  readonly id: string;
  readonly keyword: RuleKeyword;
  readonly section: string;
  readonly title: string;
  readonly text: string;
}

interface RuleIndex {
  readonly spec: string;
  readonly version: string;
  readonly rules: readonly Rule[];
}

export const rulesPath: string = findUpward(import.meta.url, "spec/rules.json");

export const ruleIndex: RuleIndex = JSON.parse(readFileSync(rulesPath, "utf8")) as RuleIndex;

export const rules: readonly Rule[] = ruleIndex.rules;
