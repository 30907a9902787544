/**
 * The Launcelot server on `Bun.listen`: one event loop for every client (spec sections 5 to 9).
 * Each socket is a Connection (connection.ts) around the sans-I/O core, in `socket.data`; one
 * IdleClock serves them all; a connection past the limit C, or past the process's descriptor
 * budget (DescriptorBudget: Bun's accept loop spins when accept() fails), is closed right after
 * accepting it (CONN-2), before any read.
 *
 * Bun facts this relies on (checked by test/bun/probe-sockets.ts): `data` hands a fresh buffer
 * each call (the core may keep references without copying); `write()` is unbuffered and may be
 * partial; `pause()` and `resume()` stop and restart `data`; with `allowHalfOpen` the client's FIN
 * calls `end` and writing goes on; `end()` closes fully and may call `close` before it returns;
 * `shutdown()` sends FIN only; a reset calls only `close(socket, error)`.
 */
import {
  DEFAULT_HOST,
  ListenError,
  logToStderr,
  type RunningServer,
  type ServerOptions,
  ServerState,
  type ServerStats,
} from "@bridgekeeper/server-kit";
import { DEFAULT_PORT, type QuestionTable, resolveLimits, type ServerLimits } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import type { SocketHandler, TCPSocketListener, TCPSocketListenOptions } from "bun";
import { Connection, type LauncelotSocket } from "./connection.js";

/** `startServer` options; `reusePort` lets several processes share one port (--workers). */
export interface BunServerOptions extends ServerOptions {
  readonly reusePort?: boolean;
}

export class Server {
  /** What every connection shares: counters, the open connections, the idle clock, the budget. */
  readonly state: ServerState<Connection>;
  private listener: TCPSocketListener<Connection | undefined> | undefined;
  private closing: Promise<void> | undefined;

  constructor(table: QuestionTable, limits: ServerLimits, log: (line: string) => void) {
    this.state = new ServerState<Connection>(table, limits, log);
  }

  /** Listens; throws a ListenError. Returns the port. */
  listen(host: string, port: number, reusePort: boolean): number {
    const socket: SocketHandler<Connection | undefined> = {
      binaryType: "uint8array",
      open: (socket) => this.accept(socket),
      data: (socket, chunk) => socket.data?.receive(chunk),
      drain: (socket) => socket.data?.drained(),
      end: (socket) => socket.data?.ended(),
      close: (socket, error) => socket.data?.closed(error),
      error: (socket, error) => socket.data?.errored(error),
    };
    const options = { hostname: host, port, allowHalfOpen: true, reusePort, socket };
    try {
      this.listener = Bun.listen(options as TCPSocketListenOptions<Connection | undefined>);
    } catch (error) {
      throw ListenError.from(host, port, error);
    }
    this.state.budget.recount(0);
    return this.listener.port;
  }

  /** Graceful close: stop accepting; every connection answers what it owes, then FIN; the deadline resets the rest. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const connections = this.state.connections;
      const deadline = setTimeout(() => {
        for (const connection of [...connections]) connection.reset();
        stopped();
      }, this.state.limits.shutdownTimeoutMs);
      const stopped = (): void => {
        clearTimeout(deadline);
        this.state.stop();
        this.listener?.stop(true);
        resolve();
      };
      this.listener?.stop(false);
      for (const connection of [...connections]) connection.shutdown();
      this.state.afterLastConnection(stopped);
    });
    return this.closing;
  }

  snapshot(): ServerStats {
    return this.state.snapshot();
  }

  /** A connection past C or past the descriptor budget is closed at once, before any read (CONN-2). */
  private accept(socket: LauncelotSocket): void {
    const { stats, limits, budget } = this.state;
    const open = stats.connectionsOpen;
    if (this.closing || open >= limits.maxConnections || !budget.admits(open, true)) {
      stats.connectionsRefused++;
      socket.end(); // no Connection in socket.data: its callbacks do nothing
      return;
    }
    this.state.opened(new Connection(socket, this.state));
  }
}

/** Starts a server; resolves once it listens (rejects with a ListenError when it cannot). */
export async function startServer(options: BunServerOptions = {}): Promise<RunningServer> {
  const limits = resolveLimits(options.limits);
  const table = options.table ?? (await loadTableFile());
  const server = new Server(table, limits, options.log ?? logToStderr);
  const host = options.host ?? DEFAULT_HOST;
  const port = server.listen(host, options.port ?? DEFAULT_PORT, options.reusePort ?? false);
  return {
    host,
    port,
    close: () => server.close(),
    stats: () => server.snapshot(),
  };
}
