/** --fuzz with the HTML report: a real short fuzz run, and one page covering every counterexample. */
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../src/html/page.js";
import { runConformance } from "../src/runner.js";

const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const brokenServer = `exec:exec node '${root}/conformance/test/servers/node/appends_newline.mjs' --port {port}`;

describe("the HTML report of a fuzz run", () => {
  it("holds every counterexample the rounds found, each with its failure file and conversation", async () => {
    const failuresDir = await mkdtemp(join(tmpdir(), "fuzz-html-"));
    const report = await runConformance({
      target: brokenServer,
      only: ["conn.interleaved"],
      seed: 20261125,
      runs: 3,
      timeoutMs: 3000,
      fuzzMs: 6000,
      shrinkBudgetMs: 1000,
      failuresDir,
    });
    const fuzz = report.fuzz;
    expect(fuzz?.rounds).toBeGreaterThanOrEqual(2);
    const found = fuzz?.found ?? [];
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(fuzz?.counterexamples).toHaveLength(found.length + 1);
    for (const f of found) {
      expect(f.round).toBeGreaterThanOrEqual(1);
      expect(f.file !== undefined && existsSync(f.file)).toBe(true);
      expect(f.result.wire?.events.length).toBeGreaterThan(0);
    }
    const html = renderHtml(report);
    expect(html).toContain(
      `${found.length + 1} counterexamples (1 in the first round, ${found.length} later)`,
    );
    for (const file of fuzz?.counterexamples ?? []) expect(html).toContain(file);
    const diagrams = (html.match(/<svg class="sequence"/g) ?? []).length;
    expect(diagrams).toBe(Math.min(3, found.length + 1));
  }, 60_000);
});
