#!/usr/bin/env node
/**
 * launcelot-soak: the reliability harness (`npm run soak`). Exit status: 0 every judged figure within
 * its bound, 1 a figure out of bounds or a scenario that did not complete, 2 bad flags.
 */
import { writeFile } from "node:fs/promises";
import { toJson } from "@bridgekeeper/bench";
import { shellQuote } from "@bridgekeeper/client-kit";
import { allWithin } from "./figures.js";
import { parseSoakFlags, type SoakOptions, USAGE } from "./flags.js";
import { renderMarkdown } from "./report.js";
import { runSoak } from "./run.js";

async function main(argv: readonly string[]): Promise<number> {
  let options: SoakOptions;
  try {
    options = parseSoakFlags(argv);
  } catch (error) {
    process.stderr.write(`launcelot-soak: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = ["npm run soak --", ...argv.map(shellQuote)].join(" ");
  const run = await runSoak(options, (line) => process.stderr.write(`soak: ${line}\n`));
  if (options.jsonFile !== undefined) await writeFile(options.jsonFile, `${toJson(run)}\n`);
  process.stdout.write(renderMarkdown(run, command));
  return allWithin(run.results) ? 0 : 1;
}

const code = await main(process.argv.slice(2));
// Exit once the output is written: a server's socket or timer left by a failed scenario must not hold the run.
process.stdout.write("", () => process.exit(code));
