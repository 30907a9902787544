/**
 * The Launcelot server on `Bun.listen`: socket callbacks around the sans-I/O core.
 *
 * One `ConnectionState` per socket lives in `socket.data`; the callbacks are created once per
 * server, so a question costs no closure or allocation beyond what the core does. Bun facts this
 * relies on (checked by test/bun/probe-sockets.ts): `data` hands a fresh buffer each call (the core
 * may keep references without copying); `write()` is unbuffered and may be partial; `pause()` and
 * `resume()` stop and restart `data`; with `allowHalfOpen` the client's FIN calls `end` and writing
 * goes on; `end()` closes fully and may call `close` before it returns; `shutdown()` sends FIN
 * only; a reset calls only `close(socket, error)`.
 */
import {
  DEFAULT_PORT,
  DescriptorBudget,
  formatAddress,
  LauncelotConnection,
  newCounters,
  newServerStats,
  type ProtocolCounters,
  type QuestionTable,
  type RunningServer,
  resolveLimits,
  type ServerLimits,
  type ServerOptions,
  type ServerStats,
} from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import type { SocketHandler, TCPSocketListener, TCPSocketListenOptions } from "bun";
import {
  ConnectionState,
  flushHeld,
  type LauncelotSocket,
  type OutputContext,
  pump,
  releaseHeld,
} from "./connection-state.js";
import { IdleSweeper } from "./idle-sweeper.js";

/** `startServer` options; `reusePort` lets several processes share one port (--workers). */
export interface BunServerOptions extends ServerOptions {
  readonly reusePort?: boolean;
}

/** A listen error (port in use, bad address), one line. */
export class ListenError extends Error {
  readonly code = "E_LISTEN";
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

class BunLauncelotServer implements OutputContext {
  readonly highWaterMark: number;
  readonly stats: ServerStats = newServerStats();
  private readonly counters: ProtocolCounters = newCounters();
  private readonly connections = new Set<LauncelotSocket>();
  private readonly sweeper: IdleSweeper;
  /** Connections past it are refused as past C: Bun's accept loop spins when accept() fails. */
  private readonly budget: DescriptorBudget;
  /** Placed in `socket.data` of connections refused past the limit. */
  private readonly refused: ConnectionState;
  private listener: TCPSocketListener<ConnectionState> | undefined;
  private shuttingDown = false;
  private closePromise: Promise<void> | undefined;
  private resolveClosed: (() => void) | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly table: QuestionTable,
    private readonly limits: ServerLimits,
    private readonly log: (line: string) => void,
  ) {
    this.highWaterMark = limits.highWaterMarkBytes;
    this.sweeper = new IdleSweeper(
      limits.idleTimeoutMs,
      this.connections,
      (socket, state) => {
        this.stats.idleClosed++;
        this.closeNow(socket, state);
      },
      (socket, state) => this.closeNow(socket, state),
    );
    this.budget = new DescriptorBudget(log, () => this.stats.connectionsOpen);
    this.refused = new ConnectionState(new LauncelotConnection(table));
    this.refused.closing = true;
    this.refused.closed = true;
  }

  listen(host: string, port: number, reusePort: boolean): TCPSocketListener<ConnectionState> {
    const handlers: SocketHandler<ConnectionState> = {
      binaryType: "uint8array",
      open: (socket) => this.onOpen(socket),
      data: (socket, chunk) => this.onData(socket, chunk),
      drain: (socket) => this.onDrain(socket),
      end: (socket) => this.onEnd(socket),
      close: (socket, error) => this.onClose(socket, error),
      error: (socket, error) => this.onError(socket, error),
    };
    const options = {
      hostname: host,
      port,
      allowHalfOpen: true,
      reusePort,
      socket: handlers,
    } as TCPSocketListenOptions<ConnectionState> & { reusePort: boolean };
    try {
      this.listener = Bun.listen<ConnectionState>(options);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
      throw new ListenError(`cannot listen on ${formatAddress(host, port)}: ${reason.split("\n")[0]}`);
    }
    this.budget.recount(0);
    return this.listener;
  }

  snapshot(): ServerStats {
    const c = this.counters;
    return {
      ...this.stats,
      questionsAnswered: c.answered,
      unknownQuestions: c.unknown,
      tooLongQuestions: c.tooLong,
    };
  }

  private onOpen(socket: LauncelotSocket): void {
    const stats = this.stats;
    const open = stats.connectionsOpen;
    if (this.shuttingDown || open >= this.limits.maxConnections || !this.budget.admits(open, true)) {
      stats.connectionsRefused++;
      socket.data = this.refused;
      socket.end();
      return;
    }
    const conn = new LauncelotConnection(this.table, {
      maxQuestionBytes: this.limits.maxQuestionBytes,
      counters: this.counters,
    });
    socket.data = new ConnectionState(conn);
    this.connections.add(socket);
    stats.connectionsOpen++;
    stats.connectionsTotal++;
    this.sweeper.ensureRunning();
  }

  private onData(socket: LauncelotSocket, chunk: Uint8Array): void {
    const state = socket.data;
    if (state.closing) return;
    state.idleTicks = 0;
    this.stats.bytesIn += chunk.length;
    state.conn.receive(chunk);
    if (pump(socket, state, this)) this.finish(socket, state);
  }

  private onDrain(socket: LauncelotSocket): void {
    const state = socket.data;
    if (state.closing) return;
    if (flushHeld(socket, state, this) && pump(socket, state, this)) this.finish(socket, state);
  }

  private onEnd(socket: LauncelotSocket): void {
    const state = socket.data;
    if (state.closing) return;
    state.conn.receiveEnd();
    if (pump(socket, state, this)) this.finish(socket, state);
  }

  private onClose(socket: LauncelotSocket, error?: Error): void {
    const state = socket.data;
    if (state === undefined || state.closed) return;
    state.closed = true;
    state.closing = true;
    this.connections.delete(socket);
    this.stats.connectionsOpen--;
    releaseHeld(this, state);
    if (error !== undefined) this.stats.resets++;
    if (this.shuttingDown && this.connections.size === 0) this.closed();
  }

  private onError(socket: LauncelotSocket, error: Error): void {
    this.log(`connection error: ${error.message.split("\n")[0]}`);
    const state = socket.data;
    if (state !== undefined && !state.closing) this.closeNow(socket, state);
  }

  /**
   * The core is done and nothing is held. After the client's FIN: close. Otherwise (the too-long
   * reply of LIMIT-QUESTION-2, or a graceful shutdown) send FIN only and keep reading, dropping
   * the input, until the client's FIN: closing with unread input makes the kernel reset the
   * connection, which can destroy replies the client has not read yet. The idle sweeper ends the
   * wait after a few quiet seconds (LINGER_TICKS), the shutdown deadline at the latest.
   */
  private finish(socket: LauncelotSocket, state: ConnectionState): void {
    if (state.conn.clientEnded) {
      this.closeNow(socket, state);
    } else if (!state.halfClosed) {
      state.halfClosed = true;
      socket.shutdown();
    }
  }

  private closeNow(socket: LauncelotSocket, state: ConnectionState): void {
    state.closing = true;
    socket.end(); // may run onClose before it returns
  }

  close(): Promise<void> {
    if (this.closePromise !== undefined) return this.closePromise;
    this.shuttingDown = true;
    this.closePromise = new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
    });
    this.listener?.stop(false);
    for (const socket of this.connections) {
      const state = socket.data;
      if (state.closing) continue;
      state.conn.stopInput(); // answer what was received, take nothing more
      if (pump(socket, state, this)) this.finish(socket, state);
    }
    if (this.connections.size === 0) {
      this.closed();
    } else {
      this.deadlineTimer = setTimeout(() => this.forceClose(), this.limits.shutdownTimeoutMs);
    }
    return this.closePromise;
  }

  /** The shutdown deadline passed: drop whatever is still owed. */
  private forceClose(): void {
    for (const socket of this.connections) {
      socket.data.closing = true;
      socket.terminate();
    }
    this.closed();
  }

  private closed(): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.sweeper.stop();
    this.budget.stop();
    this.listener?.stop(true);
    this.resolveClosed?.();
    this.resolveClosed = undefined;
  }
}

/** Starts a server; resolves once it listens. */
export async function startServer(options: BunServerOptions = {}): Promise<RunningServer> {
  const table = options.table ?? (await loadTableFile());
  const limits = resolveLimits(options.limits);
  const host = options.host ?? "127.0.0.1";
  const server = new BunLauncelotServer(table, limits, options.log ?? defaultLog);
  const listener = server.listen(host, options.port ?? DEFAULT_PORT, options.reusePort ?? false);
  const port = listener.port;
  return {
    host,
    port,
    close: () => server.close(),
    stats: () => server.snapshot(),
  };
}
