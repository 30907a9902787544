/**
 * The servers' main, one for both: a server's `main.ts` is a call of `runServerMain` with its
 * name and how it starts (a server, a worker, a supervisor of workers). In order: the flags
 * (command-line.ts), `--help` and `--version`, the table, the start, the signal handlers, and only
 * then the one `listening on HOST:PORT` line on standard output, so that a signal right after the
 * line finds the handlers installed. Log lines go to standard error as `PROGRAM: [worker PID: ]LINE`.
 *
 * Exit codes: 0 after --help, --version or a graceful shutdown; 2 for a bad flag or table and 1
 * when the server cannot listen or a worker does not start, each with one line on standard error
 * and no stack trace; 130 (SIGINT) or 143 (SIGTERM) when a second signal forces the exit.
 */
import {
  BridgekeeperError,
  firstLine,
  formatAddress,
  type QuestionTable,
  SPEC_VERSION,
} from "@bridgekeeper/spec";
import { packageVersion } from "@bridgekeeper/spec/package-dir";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { parseServerArgs, type ServeCommand, type ServerCommand, serverUsage } from "./command-line.js";
import type { RunningServer } from "./running-server.js";
import { stoppedLine } from "./server-stats.js";
import { forcedExitCode, installSignalHandlers, type ShutdownSignal } from "./signals.js";
import type { Supervisor } from "./supervisor.js";

export type Log = (line: string) => void;

/** What this process runs once started. */
export interface Serving {
  /** For the `listening on` line; undefined in a cluster worker, which logs `listening` (its primary prints the line). */
  readonly address: { readonly host: string; readonly port: number } | undefined;
  /** This process's own server, when it serves: closed at the stop, its counters logged. */
  readonly server: RunningServer | undefined;
  /** The workers it supervises, when it has some: stopped with it, killed at a forced exit. */
  readonly workers: Supervisor | undefined;
}

export interface ServerProgram {
  /** The command's name (`launcelot-node`): the usage, the version line and every log line start with it. */
  readonly program: string;
  /** `import.meta.url` of the server's main: the version is its package's. */
  readonly moduleUrl: string;
  /** The runtime the version line names after the spec's version (`Bun 1.4.5`); none for Node. */
  readonly runtime?: string;
  /** Set in a worker started by another process: its logs name it, and it stops when the parent goes. */
  readonly worker: { onParentGone(stop: () => void): void } | undefined;
  /** Starts what this process runs; resolves once it listens. A ListenError or WorkerError exits 1. */
  start(command: ServeCommand, table: QuestionTable, log: Log): Promise<Serving>;
}

/** `PROGRAM VERSION (Launcelot spec X[, RUNTIME])`, the one line of --version. */
export function versionLine(program: string, version: string, runtime?: string): string {
  return `${program} ${version} (Launcelot spec ${SPEC_VERSION}${runtime === undefined ? "" : `, ${runtime}`})`;
}

/** One line for an error: a BridgekeeperError's message, a system error's code with its first line. */
export function errorLine(error: unknown): string {
  const line = firstLine(error);
  if (error instanceof BridgekeeperError || !(error instanceof Error)) return line;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !line.includes(code) ? `${code}: ${line}` : line;
}

/** Runs a server's command line (process.argv) to its end; see the module comment for exit codes. */
export function runServerMain(program: ServerProgram): void {
  const tag = program.worker === undefined ? "" : `worker ${process.pid}: `;
  const log: Log = (line) => process.stderr.write(`${program.program}: ${tag}${line}\n`);
  const fail = (error: unknown, code: number): never => {
    log(errorLine(error));
    process.exit(code);
  };
  main(program, log, fail).catch((error: unknown) => fail(error, 1));
}

async function main(program: ServerProgram, log: Log, fail: (error: unknown, code: number) => never) {
  let command: ServerCommand;
  try {
    command = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    return fail(error, 2);
  }
  if (command.kind === "help") {
    process.stdout.write(`${serverUsage(program.program)}\n`);
    return;
  }
  if (command.kind === "version") {
    const version = packageVersion(program.moduleUrl);
    process.stdout.write(`${versionLine(program.program, version, program.runtime)}\n`);
    return;
  }
  const table = await loadTableFile(command.tablePath).catch((error: unknown) => fail(error, 2));
  const serving = await program.start(command, table, log).catch((error: unknown) => fail(error, 1));
  const stop = stopper(serving, log, fail);
  installSignalHandlers({
    log,
    shutdown: stop,
    force: (signal) => {
      serving.workers?.kill();
      process.exit(forcedExitCode(signal));
    },
  });
  program.worker?.onParentGone(() => stop("SIGTERM"));
  if (serving.address === undefined) log("listening");
  else process.stdout.write(`listening on ${formatAddress(serving.address.host, serving.address.port)}\n`);
}

/** The graceful stop, once: workers and server together, the server's counters logged, then exit. */
function stopper(serving: Serving, log: Log, fail: (error: unknown, code: number) => never) {
  let stopping = false;
  return (signal: ShutdownSignal): void => {
    if (stopping) return;
    stopping = true;
    const { server, workers } = serving;
    Promise.all([workers?.stop(signal) ?? 0, server?.close()]).then(
      ([code]) => {
        if (server !== undefined) log(stoppedLine(server.stats()));
        process.exit(code);
      },
      (error: unknown) => fail(new Error(`shutdown failed: ${errorLine(error)}`), 1),
    );
  };
}
