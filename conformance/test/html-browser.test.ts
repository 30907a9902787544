/**
 * The HTML report of real runs, opened from a file in Debian's headless Chromium (driven by
 * playwright-core, no browser download): the header's counts, the failing case's diagram with one
 * arrow per write, the copy button, the flow chart, no console error and no request leaving the
 * page. Screenshots go to the test's temporary folder.
 *
 * One-time setup outside CI: `apt-get install -y chromium` (/usr/bin/chromium). In CI (CI=true) a
 * missing browser fails the test; elsewhere it is skipped with the reason in its name.
 */
import { existsSync } from "node:fs";
import { mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CLIENT_LANES } from "../src/html/lanes.js";
import { renderHtml } from "../src/html/page.js";
import type { Report } from "../src/report.js";
import { runConformance } from "../src/runner.js";

const CHROMIUM = "/usr/bin/chromium";
const inCi = process.env.CI === "true";
const skip = !existsSync(CHROMIUM) && !inCi;
const skipNote = skip ? ` (skipped: no ${CHROMIUM}; apt-get install -y chromium)` : "";

const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const brokenServer = `exec:exec node '${root}/conformance/test/servers/node/appends_newline.mjs' --port {port}`;
const SEED = 20261125;

let dir = "";
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (skip) return;
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package when it is missing`);
  dir = await mkdtemp(join(tmpdir(), "html-report-"));
  context = await chromium.launchPersistentContext(await mkdtemp(join(dir, "profile-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    viewport: { width: 1280, height: 900 },
  });
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
}, 60_000);

afterAll(async () => {
  await context?.close();
});

interface Opened {
  readonly page: Page;
  readonly problems: string[];
}

/** Writes the report's page to a file and opens it; every console error and every request is a problem. */
async function open(report: Report, name: string): Promise<Opened> {
  const file = join(dir, `${name}.html`);
  await writeFile(file, renderHtml(report));
  const page = await (context as BrowserContext).newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url === `file://${file}`) return route.continue();
    problems.push(`request: ${url}`);
    return route.abort();
  });
  await page.goto(`file://${file}`);
  return { page, problems };
}

function transcriptLines(transcript: string, arrow: ">" | "<"): number {
  return transcript.split("\n").filter((line) => new RegExp(`^\\s*\\S+s c\\d+ ${arrow} "`).test(line)).length;
}

async function sumCounts(page: Page, selector: string): Promise<number> {
  return page.$$eval(selector, (nodes) =>
    nodes.reduce((n, e) => n + Number(e.getAttribute("data-count")), 0),
  );
}

describe("the HTML report in Debian's headless Chromium", () => {
  it.skipIf(skip)(
    `renders a real failing run: counts, one arrow per write, the marked byte, the copy button${skipNote}`,
    async () => {
      const report = await runConformance({
        target: brokenServer,
        only: ["conn.interleaved"],
        seed: SEED,
        runs: 5,
        timeoutMs: 3000,
      });
      const failed = report.cases.find((c) => c.id === "conn.interleaved");
      expect(failed?.verdict).toBe("fail");
      const transcript = failed?.transcript ?? "";
      const { page, problems } = await open(report, "failing-run");

      for (const [verdict, count] of Object.entries(report.summary))
        expect(await page.getAttribute(`.counts [data-verdict="${verdict}"]`, "data-count"), verdict).toBe(
          String(count),
        );
      expect(await page.textContent(".exit")).toContain("exit code 1: at least one failure");

      const article = page.locator('article[data-case="conn.interleaved"]');
      const diagram = article.locator("svg.sequence");
      expect(await diagram.count()).toBe(1);
      expect((await diagram.boundingBox())?.height).toBeGreaterThan(100);
      const sends = await sumCounts(page, 'article[data-case="conn.interleaved"] .arrow.send');
      const receives = await sumCounts(page, 'article[data-case="conn.interleaved"] .arrow.recv');
      expect(sends).toBe(transcriptLines(transcript, ">"));
      expect(receives).toBe(transcriptLines(transcript, "<"));
      expect(sends).toBeGreaterThan(0);
      const connections = new Set(transcript.match(/ c\d+ connect /g)).size;
      // One lane per connection and one for the server; past MAX_CLIENT_LANES connections, the
      // later ones share one lane.
      const clientLanes = Math.min(connections, MAX_CLIENT_LANES);
      expect(await diagram.getAttribute("data-lanes")).toBe(String(clientLanes + 1));
      expect(await article.locator(".arrow.marked tspan.bad").count()).toBe(failed?.mismatch ? 1 : 0);

      const png = join(dir, "failing-run.png");
      await page.screenshot({ path: png, fullPage: true });
      expect((await stat(png)).size).toBeGreaterThan(10_000);
      console.info(`HTML report screenshot: ${png}`);

      await article.locator("button.copy").click();
      await expect.poll(() => article.locator("button.copy").textContent()).toBe("Copied");
      expect(await page.evaluate("navigator.clipboard.readText()")).toBe(failed?.replayCommand);

      await page.emulateMedia({ media: "print" });
      expect(await article.locator("button.copy").isVisible()).toBe(false);
      expect(problems).toEqual([]);
    },
    120_000,
  );

  it.skipIf(skip)(
    `charts a real flow case: bytes pushed, replies received, RSS and the stall${skipNote}`,
    async () => {
      const report = await runConformance({ target: "node", only: ["flow.slow-reader"], seed: SEED });
      const flow = report.cases[0];
      expect(flow?.verdict).toBe("pass");
      expect(flow?.samples?.points.length).toBeGreaterThan(2);
      const { page, problems } = await open(report, "flow-run");
      const chart = page.locator('article[data-case="flow.slow-reader"] svg.flow-chart');
      expect(await chart.getAttribute("data-points")).toBe(String(flow?.samples?.points.length));
      expect(await chart.locator("polyline").count()).toBe(3);
      expect(await chart.locator(".flow-mark.stall").count()).toBe(1);
      expect((await chart.boundingBox())?.width).toBeGreaterThan(300);
      await page.screenshot({ path: join(dir, "flow-run.png"), fullPage: true });
      expect(problems).toEqual([]);
    },
    120_000,
  );
});
