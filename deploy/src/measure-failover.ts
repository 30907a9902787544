#!/usr/bin/env node
/**
 * `node deploy/dist/src/measure-failover.js [--backends node,bun] [--rounds 3] [--signal SIGKILL]`:
 * starts a cluster, runs the failover scenario `rounds` times per launched backend (each one the
 * victim in turn), prints one line per round and the medians and maxima of the timings.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BridgekeeperError, UsageError } from "@bridgekeeper/spec";
import { canonicalTablePath, loadTableFile } from "@bridgekeeper/spec/table-file";
import { parseBackends } from "./backends.js";
import { asUsage } from "./cli-flags.js";
import { startCluster } from "./cluster.js";
import { type FailoverReport, runFailover } from "./failover.js";
import { checkEntry } from "./haproxy-config.js";

function options(argv: string[]) {
  const { values } = asUsage(() =>
    parseArgs({
      args: argv,
      strict: true,
      options: {
        backends: { type: "string", default: "node,bun" },
        rounds: { type: "string", default: "3" },
        signal: { type: "string", default: "SIGKILL" },
        "json-file": { type: "string" },
      },
    }),
  );
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100)
    throw new UsageError("--rounds must be 1..100");
  if (values.signal !== "SIGKILL" && values.signal !== "SIGTERM")
    throw new UsageError("--signal must be SIGKILL or SIGTERM");
  return {
    backends: parseBackends(values.backends),
    rounds,
    signal: values.signal as NodeJS.Signals,
    jsonFile: values["json-file"],
  };
}

function line(r: FailoverReport): string {
  const ms = (v: number | null): string => (v === null ? "never" : `${(v / 1000).toFixed(2)} s`);
  return (
    `${r.signal} ${r.victim} (${r.clientsOnVictim} clients on it, ${r.clientsOnOthers} elsewhere): exited ${ms(r.exitedMs)}, DOWN ${ms(r.downMs)}; ` +
    `others: ${r.survivors.answersAfterKill} answers after the kill, ${r.survivors.failed} lost, slowest ask ${r.survivors.slowestAskMs} ms; ` +
    `victim's clients: ${r.victims.outcomes.join(", ")}; new connections after exit: ${r.arrivals.served}/${r.arrivals.afterExit} served, slowest ${r.arrivals.slowestMs} ms` +
    `${r.arrivals.failures.length > 0 ? ` (${r.arrivals.failures.join("; ")})` : ""}; ` +
    `restart: listening ${ms(r.listeningMs)}, UP ${ms(r.upMs)}, first new connection on it ${ms(r.backInMs)}`
  );
}

function spread(values: readonly (number | null)[]): string {
  const seen = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  if (seen.length === 0) return "never";
  const median = seen[Math.floor(seen.length / 2)] as number;
  const missing = values.length - seen.length;
  return `median ${(median / 1000).toFixed(2)} s, max ${((seen.at(-1) as number) / 1000).toFixed(2)} s${missing ? `, ${missing} never` : ""}`;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const check = checkEntry(await loadTableFile(canonicalTablePath()));
  const cluster = await startCluster({
    backends: o.backends,
    limits: { idleTimeoutSec: 60, maxConnections: 1000, shutdownTimeoutSec: 10 },
  });
  const reports: FailoverReport[] = [];
  try {
    for (let round = 0; round < o.rounds; round++) {
      for (const backend of cluster.backends.filter((b) => b.launched)) {
        const report = await runFailover(cluster, {
          victim: backend.name,
          signal: o.signal,
          question: check.question,
          answer: check.answer,
        });
        reports.push(report);
        process.stdout.write(`round ${round + 1}: ${line(report)}\n`);
      }
    }
  } finally {
    await cluster.stop();
  }
  const pick = (f: (r: FailoverReport) => number | null) => spread(reports.map(f));
  process.stdout.write(
    `\nkill -> exited: ${pick((r) => r.exitedMs)}\nkill -> DOWN: ${pick((r) => r.downMs)}\n` +
      `restart -> listening: ${pick((r) => r.listeningMs)}\nrestart -> UP: ${pick((r) => r.upMs)}\n` +
      `restart -> first new connection on it: ${pick((r) => r.backInMs)}\n` +
      `slowest new connection after exit: ${pick((r) => r.arrivals.slowestMs)}\n` +
      `lost by clients on other backends: ${reports.reduce((n, r) => n + r.survivors.failed, 0)}; ` +
      `new connections after exit not served: ${reports.reduce((n, r) => n + r.arrivals.failed, 0)} of ${reports.reduce((n, r) => n + r.arrivals.afterExit, 0)}\n`,
  );
  if (o.jsonFile) writeFileSync(o.jsonFile, `${JSON.stringify(reports, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `measure-failover: ${error instanceof BridgekeeperError ? error.message : String(error)}\n`,
  );
  process.exit(error instanceof BridgekeeperError && error.code === "E_USAGE" ? 2 : 1);
});
