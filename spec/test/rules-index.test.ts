/**
 * Keeps spec/launcelot.md and its machine-readable rule index spec/rules.json identical: the same
 * rules, with the same keyword, section and text, each stated once under the right heading, and
 * every rule listed in Appendix A.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface IndexedRule {
  readonly id: string;
  readonly keyword: string;
  readonly section: string;
  readonly title: string;
  readonly text: string;
}

interface RuleIndexFile {
  readonly spec: string;
  readonly version: string;
  readonly rules: readonly IndexedRule[];
}

interface DocumentRule {
  readonly id: string;
  readonly keyword: string;
  readonly section: string;
  readonly text: string;
  readonly line: number;
}

interface IndexRow {
  readonly id: string;
  readonly keyword: string;
  readonly section: string;
  readonly title: string;
}

const KEYWORDS = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY"] as const;
const KEYWORD_PATTERN = /\b(MUST NOT|SHOULD NOT|MUST|SHOULD|MAY|REQUIRED|SHALL|RECOMMENDED|OPTIONAL)\b/g;
const ID_PATTERN = /^[A-Z]+(-[A-Z]+)*-\d+$/;
const RULE_LINE = /^\*\*([^*]+)\*\* \(([A-Z ]+)\): (.*)$/;
const HEADING = /^#{1,6}\s+(.*)$/;
const ROW = /^\|\s*([A-Z][A-Z0-9-]*)\s*\|\s*([A-Z ]+?)\s*\|\s*([0-9.]+)\s*\|\s*(.+?)\s*\|$/;

const documentText = readFileSync(new URL("../launcelot.md", import.meta.url), "utf8");
const index = JSON.parse(readFileSync(new URL("../rules.json", import.meta.url), "utf8")) as RuleIndexFile;

const collapse = (text: string): string => text.replace(/\s+/g, " ").trim();

/** "4.1 ABNF" -> "4.1", "12. Question tables" -> "12", "Appendix A. Rule index" -> "A". */
function sectionOf(heading: string): string | undefined {
  const numbered = /^(\d+(?:\.\d+)*)\.?\s/.exec(heading);
  if (numbered) return numbered[1];
  const appendix = /^Appendix ([A-Z])\b/.exec(heading);
  return appendix ? appendix[1] : undefined;
}

interface ParsedDocument {
  readonly rules: DocumentRule[];
  readonly indexRows: IndexRow[];
  /** The document with code, inline code and rule paragraphs removed: explanation only. */
  readonly prose: string;
}

function parseDocument(text: string): ParsedDocument {
  const lines = text.split("\n");
  const rules: DocumentRule[] = [];
  const indexRows: IndexRow[] = [];
  const prose: string[] = [];
  let section = "";
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.startsWith("```")) {
      inFence = !inFence;
      continue;
    }
    if (inFence || line.startsWith("    ")) continue;
    const heading = HEADING.exec(line);
    if (heading) {
      section = sectionOf(heading[1] as string) ?? section;
      prose.push(line);
      continue;
    }
    const rule = RULE_LINE.exec(line);
    if (rule) {
      const start = i;
      const parts = [rule[3] as string];
      while (i + 1 < lines.length && (lines[i + 1] as string).trim() !== "") {
        i++;
        parts.push(lines[i] as string);
      }
      rules.push({
        id: rule[1] as string,
        keyword: rule[2] as string,
        section,
        text: collapse(parts.join(" ")),
        line: start + 1,
      });
      continue;
    }
    const row = section === "A" ? ROW.exec(line) : null;
    if (row) {
      indexRows.push({
        id: row[1] as string,
        keyword: row[2] as string,
        section: row[3] as string,
        title: (row[4] as string).replace(/\\\|/g, "|"),
      });
      continue;
    }
    prose.push(line.replace(/`[^`]*`/g, ""));
  }
  expect(inFence, "a code fence is left open").toBe(false);
  return { rules, indexRows, prose: prose.join("\n") };
}

const parsed = parseDocument(documentText);
const byId = (rules: readonly { id: string }[]): string[] => rules.map((rule) => rule.id).sort();

describe("spec/rules.json", () => {
  it("names the launcelot spec and a semantic version", () => {
    expect(index.spec).toBe("launcelot");
    expect(index.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("has unique ids of the form WORD(-WORD)*-N", () => {
    const ids = index.rules.map((rule) => rule.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id, id).toMatch(ID_PATTERN);
  });

  it("gives every rule one RFC 2119 keyword, used exactly once in its text", () => {
    for (const rule of index.rules) {
      expect(KEYWORDS, rule.id).toContain(rule.keyword);
      expect(rule.text.match(KEYWORD_PATTERN), rule.id).toEqual([rule.keyword]);
      expect(rule.title.trim(), rule.id).not.toBe("");
      expect(rule.section, rule.id).toMatch(/^\d+(\.\d+)*$/);
    }
  });
});

describe("spec/launcelot.md against spec/rules.json", () => {
  it("states the version of the rule index at the top", () => {
    const version = /^Version: (\S+)$/m.exec(documentText);
    expect(version?.[1]).toBe(index.version);
    expect(documentText.indexOf("Version:")).toBeLessThan(documentText.indexOf("## 1."));
  });

  it("states each rule exactly once", () => {
    const ids = parsed.rules.map((rule) => rule.id);
    const repeated = ids.filter((id, at) => ids.indexOf(id) !== at);
    expect(repeated).toEqual([]);
  });

  it("states exactly the rules of the index", () => {
    expect(byId(parsed.rules)).toEqual(byId(index.rules));
  });

  it("gives every rule the keyword, section and text of the index", () => {
    const stated = new Map(parsed.rules.map((rule) => [rule.id, rule]));
    for (const rule of index.rules) {
      const found = stated.get(rule.id);
      expect(found, `${rule.id} is missing from the document`).toBeDefined();
      if (!found) continue;
      expect({ id: found.id, keyword: found.keyword, section: found.section, text: found.text }).toEqual({
        id: rule.id,
        keyword: rule.keyword,
        section: rule.section,
        text: collapse(rule.text),
      });
    }
  });

  it("uses capitalised requirement keywords only in rules", () => {
    expect(parsed.prose.match(KEYWORD_PATTERN) ?? []).toEqual([]);
  });

  it("lists every rule in Appendix A with its keyword, section and title", () => {
    const rows = parsed.indexRows;
    expect(byId(rows)).toEqual(byId(index.rules));
    const listed = new Map(rows.map((row) => [row.id, row]));
    for (const rule of index.rules) {
      expect(listed.get(rule.id)).toEqual({
        id: rule.id,
        keyword: rule.keyword,
        section: rule.section,
        title: rule.title,
      });
    }
  });

  it("has a heading for every section a rule cites", () => {
    const headings = new Set(
      documentText
        .split("\n")
        .map((line) => HEADING.exec(line)?.[1])
        .map((heading) => (heading === undefined ? undefined : sectionOf(heading)))
        .filter((section): section is string => section !== undefined),
    );
    for (const rule of index.rules)
      expect(headings.has(rule.section), `${rule.id}: ${rule.section}`).toBe(true);
  });
});
