/** The servers' own errors: one line each, a stable code, exit 1 from the main (server-main.ts). */
import { BridgekeeperError, firstLine, formatAddress } from "@bridgekeeper/spec";

/** A server that cannot listen on its address (in use, not this host's, not allowed). */
export class ListenError extends BridgekeeperError {
  readonly host: string;
  readonly port: number;
  constructor(host: string, port: number, reason: string) {
    super("E_LISTEN", `cannot listen on ${formatAddress(host, port)}: ${reason}`);
    this.host = host;
    this.port = port;
  }

  /** From the runtime's error: its code (EADDRINUSE, EACCES, ...) when it has one, else its first line. */
  static from(host: string, port: number, error: unknown): ListenError {
    const code = (error as { code?: unknown } | undefined)?.code;
    const listenError = new ListenError(host, port, typeof code === "string" ? code : firstLine(error));
    listenError.cause = error;
    return listenError;
  }
}

/** A worker process of a --workers server that did not start. */
export class WorkerError extends BridgekeeperError {
  constructor(message: string) {
    super("E_WORKER", message);
  }
}
