/**
 * The Launcelot server on Node's `net`: one event loop for every client (spec sections 5 to 9).
 * Each socket is a Connection (connection.ts) around the sans-I/O core; one IdleClock serves them
 * all; Node's own `maxConnections` closes connections past the limit C, or past the process's
 * descriptor budget when that is lower (DescriptorBudget), right after accepting them (CONN-2) and
 * reports each as a `'drop'`.
 */
import { type AddressInfo, createServer, type Server as NetServer, type Socket } from "node:net";
import {
  DEFAULT_HOST,
  ListenError,
  logToStderr,
  type RunningServer,
  type ServerOptions,
  ServerState,
  type ServerStats,
} from "@bridgekeeper/server-kit";
import { DEFAULT_PORT, QuestionTable, resolveLimits, type ServerLimits } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { Connection } from "./connection.js";

export class Server {
  /** What every connection shares: counters, the open connections, the idle clock, the budget. */
  readonly state: ServerState<Connection>;
  private readonly listener: NetServer;
  private closing: Promise<void> | undefined;

  constructor(table: QuestionTable, limits: ServerLimits, log: (line: string) => void) {
    this.state = new ServerState<Connection>(table, limits, log, (c) => c.observeOutput());
    this.listener = createServer({ allowHalfOpen: true, noDelay: true });
    this.listener.maxConnections = limits.maxConnections;
    this.listener.on("connection", (socket: Socket) => this.state.opened(new Connection(socket, this.state)));
    this.listener.on("drop", () => this.dropped());
  }

  /** Resolves once listening; rejects with a ListenError. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    const listener = this.listener;
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => reject(ListenError.from(host, port, error));
      listener.once("error", failed);
      listener.listen({ host, port }, () => {
        listener.off("error", failed);
        resolve();
      });
    });
    this.state.budget.recount(0);
    this.capConnections();
    listener.on("error", (error: NodeJS.ErrnoException) => {
      // EMFILE/ENFILE here means libuv's reserve descriptor did not help: once per episode, not per accept.
      if (error.code === "EMFILE" || error.code === "ENFILE") {
        this.state.budget.noteRefusal(this.state.stats.connectionsOpen);
      } else this.state.log(`server error: ${error.code ?? error.message}`);
    });
    return listener.address() as AddressInfo;
  }

  /** Graceful close: stop accepting; every connection answers what it owes, then FIN; the deadline destroys the rest. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const connections = this.state.connections;
      const deadline = setTimeout(() => {
        for (const connection of connections) connection.closeNow();
      }, this.state.limits.shutdownTimeoutMs);
      // Node calls back once the listener and every connection have closed.
      this.listener.close(() => {
        clearTimeout(deadline);
        this.state.stop();
        resolve();
      });
      for (const connection of [...connections]) connection.shutdown();
    });
    return this.closing;
  }

  snapshot(): ServerStats {
    let queued = 0;
    for (const connection of this.state.connections) queued += connection.socket.writableLength;
    return { ...this.state.snapshot(), queuedOutputBytes: queued };
  }

  /** Node closed a connection past `maxConnections`: past C, or past the descriptor budget. */
  private dropped(): void {
    const { stats, limits, budget } = this.state;
    stats.connectionsRefused++;
    if (this.listener.maxConnections >= limits.maxConnections) return; // past C, not the budget
    budget.admits(stats.connectionsOpen, false); // notes the refusal (one log line an episode), recounts
    this.capConnections();
  }

  /** The cap Node applies: C, or the descriptor budget when that is lower. */
  private capConnections(): void {
    const { limits, budget } = this.state;
    this.listener.maxConnections = Math.min(limits.maxConnections, budget.connectionsAllowed);
  }
}

/**
 * The same table with every answer viewed as a Buffer over the same bytes (no copy): Node's
 * `socket.write()` wraps a plain Uint8Array in a new Buffer on every call, a Buffer it takes as is.
 */
function withBufferAnswers(table: QuestionTable): QuestionTable {
  return new QuestionTable(
    table.name,
    table.entries.map((entry) => ({
      ...entry,
      answer: Buffer.from(entry.answer.buffer, entry.answer.byteOffset, entry.answer.byteLength),
    })),
  );
}

/** Starts a server; resolves once it listens (rejects with a ListenError when it cannot). */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const limits = resolveLimits(options.limits);
  const table = withBufferAnswers(options.table ?? (await loadTableFile()));
  const server = new Server(table, limits, options.log ?? logToStderr);
  const address = await server.listen(options.host ?? DEFAULT_HOST, options.port ?? DEFAULT_PORT);
  return {
    host: address.address,
    port: address.port,
    close: () => server.close(),
    stats: () => server.snapshot(),
  };
}
