import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { TOO_LONG_REPLY_TEXT, UNKNOWN_REPLY_TEXT } from "../src/constants.js";
import { TableError } from "../src/errors.js";
import { parseTable } from "../src/table.js";
import { canonicalTablePath, loadTableFile, tablesDir as shippedTablesDir } from "../src/table-file.js";

const fixturesDir = fileURLToPath(new URL("../../fixtures/", import.meta.url));
const invalidDir = join(fixturesDir, "invalid-tables");
const tablesDir = join(fixturesDir, "tables");

/** The rule (or structural problem) each invalid example must be rejected for. */
const expectedProblem: Record<string, RegExp> = {
  "not-json.json": /not valid JSON/,
  "not-object.json": /must be a JSON object/,
  "no-entries.json": /TABLE-3: a table needs at least one entry/,
  "unknown-key.json": /unknown key "extra"/,
  "question-no-mark.json": /TABLE-1: .*must end with '\?'/,
  "question-two-marks.json": /TABLE-1: .*exactly one '\?'/,
  "question-leading-space.json": /TABLE-1: .*must not start with a space/,
  "question-too-long.json": /TABLE-1: .*1025 bytes; at most 1024/,
  "answer-no-dot.json": /TABLE-2: .*must end with '\.'/,
  "answer-two-dots.json": /TABLE-2: .*exactly one '\.'/,
  "answer-reserved.json": /TABLE-3: .*reserves/,
  "duplicate-question.json": /TABLE-3: .*already appears in entries\[0\]/,
  "lone-surrogate.json": /TABLE-1: .*lone surrogate/,
  "answer-not-string.json": /entries\[0\]\.answer must be a string/,
  "not-utf8.json": /not valid UTF-8/,
};

describe("the question-table loader", () => {
  it("loads every table in fixtures/tables", async () => {
    const names = readdirSync(tablesDir).filter((n) => n.endsWith(".json"));
    expect(names).toEqual(expect.arrayContaining(["canonical.json", "large-answers.json", "utf8.json"]));
    for (const name of names) {
      const table = await loadTableFile(join(tablesDir, name));
      expect(table.entries.length).toBeGreaterThan(0);
    }
  });

  it("ships every table of fixtures/tables inside the package, byte for byte (fixtures/ is their one source)", () => {
    const names = readdirSync(tablesDir).filter((n) => n.endsWith(".json"));
    expect(readdirSync(shippedTablesDir()).sort()).toEqual(names.sort());
    for (const name of names) {
      expect(readFileSync(join(shippedTablesDir(), name)), name).toEqual(readFileSync(join(tablesDir, name)));
    }
  });

  it("holds the seed's canonical table as the default, byte for byte", async () => {
    const table = await loadTableFile();
    expect(canonicalTablePath()).toMatch(/spec\/tables\/canonical\.json$/);
    expect(table.entries.map((e) => [e.questionText, e.answerText])).toEqual([
      ["What is your name?", "My name is Sir Lancelot of Camelot."],
      ["What is your quest?", "To seek the Holy Grail."],
      ["What is your favorite color?", "Blue."],
    ]);
    const answer = table.answerFor(new TextEncoder().encode("xxWhat is your quest?yy"), 2, 21);
    expect(new TextDecoder().decode(answer)).toBe("To seek the Holy Grail.");
    expect(table.answerFor(new TextEncoder().encode("what is your quest?"))).toBeUndefined();
  });

  it("has answers of tens of KiB in the large table and multi-byte characters in the UTF-8 table", async () => {
    const large = await loadTableFile(join(tablesDir, "large-answers.json"));
    expect(large.maxAnswerBytes).toBeGreaterThanOrEqual(60_000);
    const utf8 = await loadTableFile(join(tablesDir, "utf8.json"));
    const multiByte = utf8.entries.filter((e) => e.question.length > e.questionText.length);
    expect(multiByte.length).toBe(utf8.entries.length);
  });

  it("rejects each invalid example with a one-line error naming the file and the rule broken", async () => {
    const names = readdirSync(invalidDir)
      .filter((n) => n.endsWith(".json"))
      .sort();
    expect(names.sort()).toEqual(Object.keys(expectedProblem).sort());
    for (const name of names) {
      const path = join(invalidDir, name);
      const error = await loadTableFile(path).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(TableError);
      const message = (error as TableError).message;
      expect(message, name).toContain(path);
      expect(message, name).toMatch(expectedProblem[name] as RegExp);
      expect(message, name).not.toContain("\n");
      expect((error as TableError).code).toBe("E_TABLE_INVALID");
    }
  });

  it("rejects a missing file with the same one-line error", async () => {
    await expect(loadTableFile("/nonexistent/table.json")).rejects.toThrow(
      /table\.json: cannot read the file \(ENOENT\)/,
    );
  });

  it("rejects answers equal to either reserved reply", () => {
    for (const answer of [UNKNOWN_REPLY_TEXT, TOO_LONG_REPLY_TEXT]) {
      expect(() => parseTable({ name: "x", entries: [{ question: "Who?", answer }] }, "t.json")).toThrow(
        /TABLE-3/,
      );
    }
  });
});
