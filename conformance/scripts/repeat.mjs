#!/usr/bin/env node
// Repeats the full suite against targets with fresh seeds and tallies every verdict that is not
// "pass": flaky verdicts are bugs. Usage: node conformance/scripts/repeat.mjs [--times N] TARGET...
// (build first: npx tsc -b conformance). Prints one line per run and a summary; exit 1 on any failure.
import { runConformance } from "../dist/src/index.js";

const argv = process.argv.slice(2);
let times = 20;
const targets = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--times") times = Number(argv[++i]);
  else targets.push(argv[i]);
}
if (targets.length === 0 || !Number.isInteger(times) || times < 1) {
  process.stderr.write("usage: node conformance/scripts/repeat.mjs [--times N] TARGET...\n");
  process.exit(2);
}
let bad = 0;
for (const target of targets) {
  const durations = [];
  const findings = new Map();
  for (let run = 1; run <= times; run++) {
    const seed = Math.floor(Math.random() * 0x7fffffff);
    const report = await runConformance({ target, seed });
    durations.push(report.durationMs);
    const notPass = report.cases.filter((c) => c.verdict !== "pass");
    for (const c of notPass) {
      const key = `${c.id} ${c.verdict}${c.violatedRule ? ` ${c.violatedRule}` : ""}`;
      findings.set(key, [...(findings.get(key) ?? []), `seed ${seed}: ${c.message ?? ""}`]);
    }
    if (notPass.some((c) => c.verdict === "fail" || c.verdict === "error") || report.exitCode !== 0) bad++;
    process.stdout.write(
      `${target} run ${run}/${times} seed ${seed}: exit ${report.exitCode}, ${report.summary.pass}/${report.cases.length} pass, ${(report.durationMs / 1000).toFixed(1)} s${notPass.length ? ` -- ${notPass.map((c) => `${c.id}=${c.verdict}`).join(", ")}` : ""}\n`,
    );
  }
  durations.sort((a, b) => a - b);
  const median = durations[Math.floor(durations.length / 2)] / 1000;
  process.stdout.write(
    `${target}: ${times} runs, median ${median.toFixed(1)} s, max ${(durations.at(-1) / 1000).toFixed(1)} s, findings: ${findings.size === 0 ? "none" : ""}\n`,
  );
  for (const [key, seeds] of findings) process.stdout.write(`  ${key}: ${seeds.length}x (${seeds[0]})\n`);
}
process.exitCode = bad > 0 ? 1 : 0;
