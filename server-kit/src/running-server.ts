/** What `startServer` takes and hands back, the same in both servers. */
import type { QuestionTable, ServerLimits } from "@bridgekeeper/spec";
import type { ServerStats } from "./server-stats.js";

export const DEFAULT_HOST = "127.0.0.1";

/** Options of `startServer` in both implementations. */
export interface ServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 1060; 0 picks a free port. */
  readonly port?: number;
  /** Default: the canonical table. */
  readonly table?: QuestionTable;
  readonly limits?: Partial<ServerLimits>;
  /** Where log lines go (one line each, no newline); default: standard error. */
  readonly log?: (line: string) => void;
}

/** What a running server hands back, in both implementations. */
export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Graceful close: stop accepting, finish owed answers, close connections within the deadline. */
  close(): Promise<void>;
  stats(): ServerStats;
}

/** Log lines to standard error, the default of `ServerOptions.log`. */
export function logToStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}
