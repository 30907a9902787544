/**
 * The command line: `bun impl-bun/dist/src/main.js [flags]`. Prints exactly one stdout line,
 * `listening on HOST:PORT`, once every process listens; logs go to standard error. Bad flags or a
 * bad table: one line on standard error, exit 2. A listen or worker failure at start: one line,
 * exit 1; a worker that dies later is replaced (workers.ts). The first SIGINT/SIGTERM stops every
 * process and exits 0 once all are gone.
 */
import {
  BridgekeeperError,
  formatAddress,
  parseServerArgs,
  type RunningServer,
  type ServerCommand,
  serverUsage,
} from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { startServer } from "./server.js";
import { exitCodeFor, handleShutdownSignals, type ShutdownSignal } from "./signals.js";
import { PROGRAM, versionLine } from "./version.js";
import { onParentGone, WorkerSupervisor, workerPort } from "./workers.js";

function log(line: string): void {
  process.stderr.write(`${PROGRAM}: ${line}\n`);
}

function fail(message: string, code: number): never {
  log(message.split("\n")[0] ?? message);
  process.exit(code);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}

async function serve(command: Extract<ServerCommand, { kind: "serve" }>): Promise<void> {
  let table: Awaited<ReturnType<typeof loadTableFile>>;
  try {
    table = await loadTableFile(command.tablePath);
  } catch (error) {
    fail(firstLine(error), error instanceof BridgekeeperError ? 2 : 1);
  }
  const joinPort = workerPort();
  const isWorker = joinPort !== undefined;
  const reusePort = isWorker || command.workers > 1;
  let server: RunningServer;
  try {
    server = await startServer({
      host: command.host,
      port: joinPort ?? command.port,
      table,
      limits: command.limits,
      reusePort,
      log,
    });
  } catch (error) {
    fail(firstLine(error), 1);
  }
  let workers: WorkerSupervisor | undefined;
  if (!isWorker && command.workers > 1) {
    workers = new WorkerSupervisor(server.port, log);
    try {
      await workers.start(command.workers - 1);
    } catch (error) {
      fail(firstLine(error), 1);
    }
  }
  const shutdown = async (signal: ShutdownSignal): Promise<void> => {
    const workersStopped = workers?.stop(signal);
    await server.close();
    await workersStopped;
    process.exit(0);
  };
  handleShutdownSignals({
    graceful: (signal) => void shutdown(signal),
    immediate: (signal) => {
      workers?.kill(signal);
      process.exit(exitCodeFor(signal));
    },
    log,
  });
  if (isWorker) onParentGone(() => void shutdown("SIGTERM"));
  process.stdout.write(`listening on ${formatAddress(server.host, server.port)}\n`);
}

async function main(): Promise<void> {
  let command: ServerCommand;
  try {
    command = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    fail(firstLine(error), error instanceof BridgekeeperError ? 2 : 1);
  }
  if (command.kind === "help") {
    process.stdout.write(`${serverUsage(PROGRAM)}\n`);
    return;
  }
  if (command.kind === "version") {
    process.stdout.write(`${versionLine()}\n`);
    return;
  }
  await serve(command);
}

main().catch((error: unknown) => fail(firstLine(error), 1));
