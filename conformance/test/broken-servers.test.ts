/**
 * Proving the suite itself, on the servers of test/servers/ (listed in test/servers/manifest.json,
 * see test/servers/README.md). In `npm test` (the short form) each deliberately broken server
 * meets only the cases listed for it, with few runs and a fixed seed; with MATRIX=full
 * (`npm run test:matrix`) every server meets the whole suite. Either way a broken server must fail
 * for one of its rules, and every case it does not pass must name one of them (its real defect,
 * or a rule that defect genuinely breaks): never another rule, never "could not judge". The
 * independent correct server must pass. With MATRIX_TABLE=FILE the full form also writes the
 * verdict table there (markdown), as in test/servers/README.md.
 *
 * Most entries spend their time waiting (a missing reply is only "missing" after the progress
 * wait, once per shrink step), so they run a few at a time; the "heavy" ones (128 MiB pushes, the
 * full suite) run alone so they never compete for the two cores.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { shellQuote } from "@bridgekeeper/client-kit";
import { describe, type ExpectStatic, expect, it } from "vitest";
import { type CaseResult, runConformance } from "../src/index.js";

interface ManifestEntry {
  readonly name: string;
  readonly language: "python" | "node" | "bun";
  /** "exec:..." with {root} (the repository root) and {port} (left for the suite). */
  readonly command: string;
  readonly flaw: string;
  /** The rules the suite must fail it on (any one of them); empty for the correct server. */
  readonly rules: readonly string[];
  /** Other rules its one defect genuinely breaks, each with how: a case may name these too. */
  readonly alsoBreaks?: Readonly<Record<string, string>>;
  /** Case or rule ids to run; empty means the whole suite. */
  readonly only: readonly string[];
  readonly table?: string;
  readonly runs?: number;
  readonly heavy?: boolean;
  readonly limits?: {
    readonly maxQuestion?: number;
    readonly idleTimeoutSec?: number;
    readonly maxConnections?: number;
  };
}

const SEED = 20261125;
const RUNS = 5;
/** The whole suite for every server (npm run test:matrix), or each server's own cases (npm test). */
const FULL = process.env.MATRIX === "full";
const MATRIX_TABLE = process.env.MATRIX_TABLE;
/** Progress wait for broken servers: a missing reply costs this much per shrink step. */
const BROKEN_WAIT_MS = 3000;
const LIGHT_CONCURRENCY = 3;
const TEST_TIMEOUT_MS = 600_000;

const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");
const manifest = JSON.parse(readFileSync(new URL("./servers/manifest.json", import.meta.url), "utf8")) as {
  servers: ManifestEntry[];
};
const broken = manifest.servers.filter((s) => s.rules.length > 0);
const correct = manifest.servers.filter((s) => s.rules.length === 0);

function withRoot(text: string, quote: boolean): string {
  return text.replaceAll("{root}", quote ? shellQuote(root) : root);
}

function line(c: CaseResult): string {
  return `${c.id}: ${c.verdict}${c.violatedRule ? ` (${c.violatedRule})` : ""}${c.message ? ` ${c.message}` : ""}`;
}

/** At most `slots` bodies at a time; the others wait their turn in order. */
function limiter(slots: number): <T>(body: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (body) => {
    while (active >= slots) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await body();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function judge(entry: ManifestEntry, check: ExpectStatic): Promise<CaseResult[]> {
  const report = await runConformance({
    target: withRoot(entry.command, true),
    only: FULL ? [] : entry.only,
    ...(FULL ? {} : { runs: entry.runs ?? RUNS }),
    seed: SEED,
    ...(entry.rules.length > 0 ? { timeoutMs: BROKEN_WAIT_MS } : {}),
    ...(entry.table ? { table: withRoot(entry.table, false) } : {}),
    ...(entry.limits ? { limits: entry.limits } : {}),
  });
  check(
    report.cases.length,
    `${entry.name}: the selection ${JSON.stringify(entry.only)} ran no case`,
  ).toBeGreaterThan(0);
  const errors = report.cases.filter((c) => c.verdict === "error").map(line);
  check(errors, `${entry.name}: the harness could not judge`).toEqual([]);
  if (MATRIX_TABLE) appendFileSync(MATRIX_TABLE, `${tableRow(entry, report.cases)}\n`);
  return report.cases;
}

/** One row of the verdict table: the server, its rules, and every case it did not pass. */
function tableRow(entry: ManifestEntry, cases: readonly CaseResult[]): string {
  const passed = cases.filter((c) => c.verdict === "pass" || c.verdict === "not-applicable").length;
  const others = cases
    .filter((c) => c.verdict !== "pass" && c.verdict !== "not-applicable")
    .map((c) => `${c.id} ${c.verdict}${c.violatedRule ? ` ${c.violatedRule}` : ""}`);
  return `| \`${entry.name}\` | ${entry.rules.join(", ") || "(correct)"} | ${passed} of ${cases.length} | ${others.join("; ") || "-"} |`;
}

async function expectCaught(entry: ManifestEntry, check: ExpectStatic): Promise<void> {
  const cases = await judge(entry, check);
  const caught = cases.filter(
    (c) => c.verdict === "fail" && c.violatedRule !== undefined && entry.rules.includes(c.violatedRule),
  );
  check(
    caught.map(line),
    `${entry.name} was not failed on ${entry.rules.join("/")}:\n${cases.map(line).join("\n")}`,
  ).not.toEqual([]);
  const allowed = new Set([...entry.rules, ...Object.keys(entry.alsoBreaks ?? {})]);
  const elsewhere = cases.filter(
    (c) => (c.verdict === "fail" || c.verdict === "warn") && !allowed.has(c.violatedRule ?? ""),
  );
  check(elsewhere.map(line), `${entry.name}: verdicts that name another rule than its defect's`).toEqual([]);
}

if (MATRIX_TABLE) {
  writeFileSync(
    MATRIX_TABLE,
    "| server | its rules | passed | the cases it did not pass |\n| --- | --- | --- | --- |\n",
  );
}

describe("the manifest", () => {
  it("lists a correct server and at least twelve broken ones, at least three per runtime", () => {
    expect(correct.length).toBeGreaterThan(0);
    expect(broken.length).toBeGreaterThanOrEqual(12);
    for (const language of ["python", "node", "bun"] as const) {
      expect(broken.filter((s) => s.language === language).length, language).toBeGreaterThanOrEqual(3);
    }
    expect(new Set(manifest.servers.map((s) => s.name)).size).toBe(manifest.servers.length);
  });
});

describe.concurrent("the conformance suite against deliberately broken servers", () => {
  const slot = limiter(LIGHT_CONCURRENCY);
  for (const entry of broken.filter((s) => !s.heavy)) {
    it(
      `fails ${entry.name} (${entry.flaw}) on ${entry.rules.join(" or ")}`,
      ({ expect: check }) => slot(() => expectCaught(entry, check)),
      TEST_TIMEOUT_MS,
    );
  }
});

describe.sequential("the conformance suite against broken servers that need the machine to themselves", () => {
  for (const entry of broken.filter((s) => s.heavy)) {
    it(
      `fails ${entry.name} (${entry.flaw}) on ${entry.rules.join(" or ")}`,
      ({ expect: check }) => expectCaught(entry, check),
      TEST_TIMEOUT_MS,
    );
  }
});

describe.sequential("the conformance suite against the independent correct server", () => {
  for (const entry of correct) {
    it(
      `passes ${entry.name}`,
      async ({ expect: check }) => {
        const cases = await judge(entry, check);
        const failures = cases.filter((c) => c.verdict === "fail").map(line);
        if (FULL) check(cases.length, `${entry.name}: the whole suite`).toBeGreaterThan(20);
        check(failures, `${entry.name} was failed:\n${cases.map(line).join("\n")}`).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );
  }
});
