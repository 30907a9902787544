/**
 * The harness itself, in its short form (`--short`: seconds per scenario) against both servers, as
 * `npm run soak` runs it: every scenario completes, its figures are present, and its counts add up.
 * Times and rates are printed in the run's tables, never asserted.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScenarioResult } from "../src/figures.js";
import type { ProbeFigures } from "../src/probe.js";
import type { SoakRun } from "../src/run.js";

const cli = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let dir: string;
let run: SoakRun;
let markdown: string;
let exitCode: number | null;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "soak-test-"));
  const jsonFile = join(dir, "run.json");
  const result = await runCli(["--short", "--json-file", jsonFile]);
  exitCode = result.code;
  markdown = result.stdout;
  run = JSON.parse(await readFile(jsonFile, "utf8")) as SoakRun;
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface AttackRaw {
  attack: Record<string, number>;
  quiet: ProbeFigures;
  during: ProbeFigures;
  peakRssBytes: number;
  recovered: boolean;
}
interface FuzzRaw {
  fuzz: { rounds: number; counterexamples: string[] };
  runsPerRound: number;
}
interface DescriptorRaw {
  clients: number;
  refused: number;
  held: number;
  episodes: number;
  heldServed: boolean;
}

/** The raw numbers of one scenario's result, which must have completed. */
function raw<T>(server: string, scenario: string): T {
  const found: ScenarioResult | undefined = run.results.find(
    (r) => r.server === server && r.scenario === scenario,
  );
  if (found === undefined) throw new Error(`no ${scenario} result for ${server}`);
  expect(found.error).toBeUndefined();
  return found.raw as T;
}

describe("npm run soak -- --short", () => {
  it("runs all six scenarios against both servers and prints one table per server", () => {
    expect(run.short).toBe(true);
    expect(run.results.map((r) => `${r.server} ${r.scenario}`)).toEqual(
      ["node", "bun"].flatMap((s) =>
        ["fuzz", "flood", "slowloris", "non-readers", "reset-storm", "descriptors"].map((n) => `${s} ${n}`),
      ),
    );
    expect(markdown).toMatch(/^### node$/m);
    expect(markdown).toMatch(/^### bun$/m);
    expect(markdown).toMatch(/^\| scenario +\| figure +\| +value \| bound +\| within \|$/m);
    // Every judged figure was within its bound, so the run exits 0.
    expect(exitCode).toBe(0);
    expect(markdown).toContain("Every judged figure is within its bound.");
  });

  for (const server of ["node", "bun"]) {
    it(`${server}: the counts of every scenario add up`, () => {
      const fuzz = raw<FuzzRaw>(server, "fuzz");
      expect(fuzz.fuzz.rounds).toBeGreaterThanOrEqual(1);
      expect(fuzz.fuzz.counterexamples).toEqual([]);
      expect(fuzz.runsPerRound).toBeGreaterThan(0);

      const flood = raw<AttackRaw>(server, "flood").attack;
      expect((flood.connects ?? 0) + (flood.connectFailures ?? 0)).toBe(flood.attempts);
      expect((flood.refusedAtOnce ?? 0) + (flood.closedLater ?? 0)).toBeLessThanOrEqual(flood.connects ?? 0);
      expect(flood.refusedAtOnce).toBeGreaterThan(0);

      const slow = raw<AttackRaw>(server, "slowloris").attack;
      expect(slow.questionsCompleted).toBeGreaterThan(0);
      expect(slow.bytesTrickled).toBeGreaterThanOrEqual(
        (slow.questionsCompleted ?? 0) * "What is your name?".length,
      );
      expect(slow.answers).toBe(slow.questionsCompleted);
      expect((slow.heldAtEnd ?? 0) + (slow.closedByServer ?? 0)).toBe(slow.opened);

      const readers = raw<AttackRaw>(server, "non-readers").attack;
      expect((readers.connected ?? 0) + (readers.failed ?? 0)).toBe(run.sizes.nonReaders.clients);

      const a = raw<AttackRaw>(server, "reset-storm").attack;
      const points = (a.atOnce ?? 0) + (a.midQuestion ?? 0) + (a.afterQuestions ?? 0) + (a.midAnswers ?? 0);
      expect(points).toBe(a.resets);
      expect((a.resets ?? 0) + (a.connectFailures ?? 0)).toBe(run.sizes.resetStorm.connections);

      for (const scenario of ["flood", "slowloris", "non-readers", "reset-storm"]) {
        const outcome = raw<AttackRaw>(server, scenario);
        expect(outcome.quiet.answers).toBeGreaterThan(0);
        expect(outcome.during.wrong).toBe(0);
        expect(outcome.peakRssBytes).toBeGreaterThan(0);
        expect(outcome.recovered).toBe(true);
      }

      const fds = raw<DescriptorRaw>(server, "descriptors");
      expect(fds.refused + fds.held).toBe(fds.clients);
      expect(fds.episodes).toBe(1);
      expect(fds.heldServed).toBe(true);
    });
  }

  it("refuses a bad flag with one line and exit code 2", async () => {
    const bad = await runCli(["--scenarios", "nap"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'launcelot-soak: --scenarios: unknown "nap" (expected fuzz, flood, slowloris, non-readers, reset-storm, descriptors)\n',
    );
    expect(bad.stdout).toBe("");
  });
});
