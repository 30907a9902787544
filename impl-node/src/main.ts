#!/usr/bin/env node
/**
 * The launcelot-node command: `node impl-node/dist/src/main.js [flags]` (see --help). Exit codes:
 * 0 after a graceful shutdown, 2 for bad flags or a bad table (one line on stderr, no stack trace),
 * 1 when the server cannot listen, 130/143 when a second signal forces the exit.
 */
import cluster from "node:cluster";
import {
  BridgekeeperError,
  formatAddress,
  parseServerArgs,
  type QuestionTable,
  type ServerCommand,
  SPEC_VERSION,
  serverUsage,
} from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { runPrimary } from "./cluster.js";
import { startServer } from "./server.js";
import { forcedExitCode, installSignalHandlers } from "./signals.js";
import { PROGRAM_NAME, SERVER_VERSION } from "./version.js";

function log(line: string): void {
  process.stderr.write(`${PROGRAM_NAME}: ${line}\n`);
}

function fail(message: string, code: number): never {
  log(message);
  process.exit(code);
}

function errorLine(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const named =
      code !== undefined && !(error instanceof BridgekeeperError) && !error.message.includes(code);
    return named ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

async function main(argv: readonly string[]): Promise<void> {
  let command: ServerCommand;
  try {
    command = parseServerArgs(argv);
  } catch (error) {
    fail(errorLine(error), 2);
  }
  if (command.kind === "help") {
    process.stdout.write(`${serverUsage(PROGRAM_NAME)}\n`);
    return;
  }
  if (command.kind === "version") {
    process.stdout.write(`${PROGRAM_NAME} ${SERVER_VERSION} (Launcelot spec ${SPEC_VERSION})\n`);
    return;
  }
  let table: QuestionTable;
  try {
    table = await loadTableFile(command.tablePath);
  } catch (error) {
    fail(errorLine(error), 2);
  }
  if (cluster.isPrimary && command.workers > 1) {
    runPrimary(command, log);
    return;
  }
  const workerTag = cluster.isWorker ? `worker ${process.pid}: ` : "";
  const workerLog = (line: string): void => log(`${workerTag}${line}`);
  let running: Awaited<ReturnType<typeof startServer>>;
  try {
    running = await startServer({
      host: command.host,
      port: command.port,
      table,
      limits: command.limits,
      log: workerLog,
    });
  } catch (error) {
    fail(`cannot listen on ${formatAddress(command.host, command.port)}: ${errorLine(error)}`, 1);
  }
  const shutdown = (): void => {
    running.close().then(
      () => {
        const stats = running.stats();
        workerLog(
          `stopped after ${stats.connectionsTotal} connections, ${stats.questionsAnswered} answers, ${stats.unknownQuestions} unknown questions`,
        );
        process.exit(0);
      },
      (error: unknown) => fail(`shutdown failed: ${errorLine(error)}`, 1),
    );
  };
  installSignalHandlers({
    log: workerLog,
    shutdown,
    force: (signal) => process.exit(forcedExitCode(signal)),
  });
  // A worker whose primary is gone shuts down too.
  if (cluster.isWorker) process.on("disconnect", shutdown);
  // Announced only now: a signal right after the line must find the handlers installed.
  if (cluster.isWorker) workerLog("listening");
  else process.stdout.write(`listening on ${formatAddress(running.host, running.port)}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => fail(errorLine(error), 1));
