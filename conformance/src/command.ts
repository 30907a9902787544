#!/usr/bin/env node
/** launcelot-conformance: the command line around runConformance. */
import { writeFile } from "node:fs/promises";
import { HELP, parseArgs } from "./args.js";
import { allCases } from "./cases/index.js";
import { computeCoverage } from "./coverage.js";
import { ConformanceError, UsageError } from "./errors.js";
import { readExpectFile } from "./expect.js";
import { renderJson, renderJunit, renderList, renderPretty } from "./render.js";
import { readReplayArgument } from "./replay.js";
import type { Report } from "./report.js";
import { runConformance, SUITE_VERSION } from "./runner.js";

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (args.version) {
    process.stdout.write(`launcelot-conformance ${SUITE_VERSION}\n`);
    return 0;
  }
  if (args.list) {
    process.stdout.write(renderList(allCases, computeCoverage(allCases)));
    return 0;
  }
  const replay = args.replay !== undefined ? await readReplayArgument(args.replay) : undefined;
  const target = args.target ?? replay?.file?.target;
  if (target === undefined)
    throw new UsageError("--target is required (a replay string holds no target; a failure file does)");
  const expected =
    args.expect !== undefined
      ? await readExpectFile(args.expect, new Set(allCases.map((c) => c.id)))
      : undefined;
  const controller = new AbortController();
  let interruptedAt = 0;
  const onSignal = (): void => {
    if (interruptedAt > 0 && Date.now() - interruptedAt > 1000) {
      process.stderr.write("second interrupt: exiting at once\n");
      process.exit(3);
    }
    if (interruptedAt === 0) {
      interruptedAt = Date.now();
      process.stderr.write("interrupted: stopping clients and the target, then writing the report so far\n");
      controller.abort();
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const progress = process.stderr.isTTY || args.reporter !== "pretty" || args.out !== undefined;
  const limits = {
    ...(args.maxQuestion !== undefined ? { maxQuestion: args.maxQuestion } : {}),
    ...(args.idleTimeoutSec !== undefined ? { idleTimeoutSec: args.idleTimeoutSec } : {}),
    ...(args.maxConnections !== undefined ? { maxConnections: args.maxConnections } : {}),
  };
  const report: Report = await runConformance({
    target,
    ...(args.table !== undefined ? { table: args.table } : replay?.file ? { table: replay.file.table } : {}),
    only: args.only,
    skip: args.skip,
    ...(args.runs !== undefined ? { runs: args.runs } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    strict: args.strict,
    ...(args.timeoutMs !== undefined ? { timeoutMs: args.timeoutMs } : {}),
    ...(Object.keys(limits).length > 0 ? { limits } : {}),
    signal: controller.signal,
    ...(replay ? { replay: replay.spec } : {}),
    ...(expected ? { expectedFailures: expected, expectFile: args.expect as string } : {}),
    ...(args.fuzzMs !== undefined ? { fuzzMs: args.fuzzMs } : {}),
    ...(args.failuresDir !== undefined ? { failuresDir: args.failuresDir } : {}),
    ...(args.startTimeoutMs !== undefined ? { startTimeoutMs: args.startTimeoutMs } : {}),
    onCase: (c) => {
      if (progress)
        process.stderr.write(
          `${c.verdict.toUpperCase().padEnd(5)} ${c.id} (${(c.durationMs / 1000).toFixed(1)} s)\n`,
        );
    },
  });
  const text =
    args.reporter === "json"
      ? renderJson(report)
      : args.reporter === "junit"
        ? renderJunit(report)
        : renderPretty(report, { color: args.out === undefined && process.stdout.isTTY });
  if (args.out !== undefined) {
    await writeFile(args.out, text);
    if (args.reporter !== "pretty")
      process.stderr.write(`${renderPretty(report).trimEnd().split("\n").slice(-4).join("\n")}\n`);
  } else {
    process.stdout.write(text);
  }
  return report.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
    if (error instanceof ConformanceError || (typeof code === "string" && code.startsWith("E_"))) {
      process.stderr.write(
        `launcelot-conformance: ${(error as Error).message.split("\n")[0]} [${String(code)}]\n`,
      );
      process.exitCode = 2;
      return;
    }
    process.stderr.write(
      `launcelot-conformance: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
