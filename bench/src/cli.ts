#!/usr/bin/env node
/**
 * launcelot-bench: side-by-side benchmarks of Launcelot servers. Exit status: 0 done, 1 the run
 * failed (a target did not start or exited, the load generator failed), 2 bad flags or table.
 */
import { writeFile } from "node:fs/promises";
import { shellQuote } from "@bridgekeeper/client-kit";
import { firstLine, TableError, UsageError } from "@bridgekeeper/spec";
import { parseBenchFlags, USAGE } from "./flags.js";
import { renderText } from "./render-result.js";
import { toJson } from "./report.js";
import { runBench } from "./run.js";

async function main(argv: readonly string[]): Promise<number> {
  let options: ReturnType<typeof parseBenchFlags>;
  try {
    options = parseBenchFlags(argv);
  } catch (error) {
    process.stderr.write(`launcelot-bench: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = ["npm run bench --", ...argv.map(shellQuote)].join(" ");
  try {
    const result = await runBench(options, command, (line) => process.stderr.write(`bench: ${line}\n`));
    const json = `${toJson(result)}\n`;
    if (options.jsonFile !== null) await writeFile(options.jsonFile, json);
    process.stdout.write(options.json ? json : renderText(result));
    return 0;
  } catch (error) {
    process.stderr.write(`launcelot-bench: ${firstLine(error)}\n`);
    return error instanceof UsageError || error instanceof TableError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
