/** The machine-readable rule index, spec/rules.json, typed (`@bridgekeeper/spec/rules`; read on import). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageDir } from "./package-dir.js";

export type RuleKeyword = "MUST" | "MUST NOT" | "SHOULD" | "SHOULD NOT" | "MAY";

export interface Rule {
  readonly id: string;
  readonly keyword: RuleKeyword;
  readonly section: string;
  readonly title: string;
  readonly text: string;
}

export interface RuleIndex {
  readonly spec: string;
  readonly version: string;
  readonly rules: readonly Rule[];
}

export const rulesPath: string = join(packageDir(import.meta.url), "rules.json");

export const ruleIndex: RuleIndex = JSON.parse(readFileSync(rulesPath, "utf8")) as RuleIndex;

export const rules: readonly Rule[] = ruleIndex.rules;
