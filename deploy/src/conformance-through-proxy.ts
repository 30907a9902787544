#!/usr/bin/env node
/**
 * `node deploy/dist/src/conformance-through-proxy.js [--backends node,bun] [--seed 1] [--only LIST] [--json-file F]`:
 * the conformance suite against our servers directly (`--target node`, `--target bun`: I = 10 s,
 * C = 256, launched by the suite) and through a cluster with the same limits (an address target,
 * `--idle-timeout 10 --max-connections 256`), one seed for all, then one table: each case's
 * verdict direct and through the proxy, with the evidence that differs.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Report, runConformance } from "@bridgekeeper/conformance";
import { BridgekeeperError } from "@bridgekeeper/spec";
import { parseBackends } from "./backends.js";
import { asUsage } from "./cli-flags.js";
import { startCluster } from "./cluster.js";

const LIMITS = { idleTimeoutSec: 10, maxConnections: 256, shutdownTimeoutSec: 10 };
/** Evidence that a proxy changes: bytes a non-reading client pushes, when idle connections close. */
const COMPARED = [
  "pushedBytes",
  "stalled",
  "idleClosedAfterMs",
  "partialClosedAfterMs",
  "nonReaderClosedAfterStallMs",
  "closedByServer",
];

function cell(report: Report, id: string): string {
  const c = report.cases.find((x) => x.id === id);
  if (!c) return "-";
  const evidence = COMPARED.filter((k) => c.evidence?.[k] !== undefined).map(
    (k) => `${k} ${c.evidence?.[k]}`,
  );
  return `${c.verdict}${c.violatedRule ? ` (${c.violatedRule})` : ""}${evidence.length > 0 ? `; ${evidence.join(", ")}` : ""}`;
}

async function main(): Promise<void> {
  const { values } = asUsage(() =>
    parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        backends: { type: "string", default: "node,bun" },
        seed: { type: "string", default: "1" },
        only: { type: "string" },
        "json-file": { type: "string" },
      },
    }),
  );
  const seed = Number(values.seed);
  const only = values.only?.split(",") ?? [];
  const common = { seed, ...(only.length > 0 ? { only } : {}) };
  const reports: Record<string, Report> = {};
  for (const target of ["node", "bun"]) {
    process.stderr.write(`suite --target ${target} (seed ${seed})\n`);
    reports[`${target} direct`] = await runConformance({ target, ...common });
  }
  const cluster = await startCluster({ backends: parseBackends(values.backends), limits: LIMITS });
  try {
    const target = `${cluster.host}:${cluster.port}`;
    process.stderr.write(
      `suite --target ${target} --idle-timeout 10 --max-connections 256 (seed ${seed}), behind it: ${values.backends}\n`,
    );
    reports["via haproxy"] = await runConformance({
      target,
      limits: { idleTimeoutSec: LIMITS.idleTimeoutSec, maxConnections: LIMITS.maxConnections },
      ...common,
    });
  } finally {
    await cluster.stop();
  }
  const names = Object.keys(reports);
  const ids = (reports["via haproxy"] as Report).cases.map((c) => c.id);
  const lines = [`| case | ${names.join(" | ")} |`, `|:--|${names.map(() => ":--").join("|")}|`];
  for (const id of ids)
    lines.push(`| ${id} | ${names.map((n) => cell(reports[n] as Report, id)).join(" | ")} |`);
  process.stdout.write(`${lines.join("\n")}\n`);
  for (const n of names) {
    const s = (reports[n] as Report).summary;
    process.stdout.write(
      `${n}: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s["not-applicable"]} not applicable, ${s.error} error; exit ${(reports[n] as Report).exitCode}\n`,
    );
  }
  if (values["json-file"]) writeFileSync(values["json-file"], `${JSON.stringify(reports, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `conformance-through-proxy: ${error instanceof BridgekeeperError ? error.message : String(error)}\n`,
  );
  process.exit(error instanceof BridgekeeperError && error.code === "E_USAGE" ? 2 : 1);
});
