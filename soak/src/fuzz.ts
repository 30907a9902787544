/**
 * Fuzz: the conformance suite's own --fuzz against a server it launches, for a set duration
 * (node conformance/dist/src/cli.js --target KIND --fuzz D --reporter json --out FILE), read back
 * from its JSON report: rounds, property cases and runs, counterexamples, verdicts, restarts.
 */
import { spawn } from "node:child_process";
import { mkdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import type { Report } from "@bridgekeeper/conformance";
import { SoakRunError } from "./errors.js";
import { type Figure, judged, reported } from "./figures.js";
import type { ServerKind } from "./servers.js";

/** The conformance suite's program, from its package. */
const cliPath = join(
  dirname(createRequire(import.meta.url).resolve("@bridgekeeper/conformance/package.json")),
  "dist",
  "src",
  "cli.js",
);
/** Where the suite's report and any counterexample files stay (reports/ in the working folder; not tracked). */
const reportsDir = resolve("reports");
/** Past the fuzz duration: the first round (every case) and the last property still running. */
const OVERRUN_MS = 10 * 60_000;

function runCli(
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderr = (stderr + text).slice(-4000);
    });
    const timer = setTimeout(() => child.kill("SIGINT"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

export async function fuzzScenario(
  kind: ServerKind,
  durationMs: number,
  only: readonly string[],
): Promise<{ figures: Figure[]; raw: Record<string, unknown> }> {
  await mkdir(reportsDir, { recursive: true });
  const out = join(reportsDir, `soak-fuzz-${kind}.json`);
  await rm(out, { force: true }); // never read an earlier run's report
  const args = [
    "--target",
    kind,
    "--fuzz",
    `${Math.round(durationMs)}ms`,
    "--reporter",
    "json",
    "--out",
    out,
  ];
  args.push("--failures-dir", join(reportsDir, `soak-failures-${kind}`));
  if (only.length > 0) args.push("--only", only.join(","));
  const { code, stderr } = await runCli(args, durationMs + OVERRUN_MS);
  let report: Report;
  try {
    report = JSON.parse(await readFile(out, "utf8")) as Report;
  } catch {
    throw new SoakRunError(
      `fuzz ${kind}: no report (exit ${code}): ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`,
    );
  }
  const fuzz = report.fuzz ?? { durationMs, rounds: 0, counterexamples: [] };
  const properties = report.cases.filter((c) => c.runs !== undefined);
  const runsPerRound = properties.reduce((n, c) => n + (c.runs ?? 0), 0);
  const failed = report.summary.fail + report.summary.error;
  const restarts = report.process?.restarts ?? 0;
  return {
    raw: {
      report: out,
      exitCode: code,
      fuzz,
      summary: report.summary,
      runsPerRound,
      restarts,
      durationMs: report.durationMs,
    },
    figures: [
      reported("fuzzed for", `${(report.durationMs / 60_000).toFixed(1)} min, ${fuzz.rounds} rounds`),
      reported(
        "properties run",
        `${properties.length * fuzz.rounds} (${properties.length} properties x ${fuzz.rounds} rounds; ~${runsPerRound * fuzz.rounds} inputs)`,
      ),
      judged("counterexamples", String(fuzz.counterexamples.length), "0", fuzz.counterexamples.length === 0),
      judged(
        "cases failed or in error (of all, first round)",
        `${failed} of ${report.cases.length}`,
        "0",
        failed === 0,
      ),
      judged("server restarts (crashes)", String(restarts), "0", restarts === 0),
      judged("suite exit code", String(code), "0", code === 0),
    ],
  };
}
