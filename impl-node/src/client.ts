/**
 * One client connection: the loop between a Node socket and the sans-I/O core.
 *
 * Who owns what. The core owns received input until it parses it and decides what to send. Bytes
 * handed to `socket.write()` are owned by Node's writable stream until the kernel takes them; this
 * module never keeps unsent bytes of its own, it only counts them (`socket.writableLength`). It pulls
 * from the core only while that count is under the high-water mark H, and never more than H minus
 * the count, so the output held for one connection never exceeds H (FLOW-2). While the core has
 * more output than that, reading from the socket is paused; Node's `'drain'` (the held output has
 * been taken by the kernel) resumes the pump, which resumes reading once the core has nothing ready
 * (FLOW-3).
 *
 * Event handlers are shared functions (one set for all sockets, no closures per connection or per
 * write); the socket points back to its Client through a symbol-keyed property.
 */
import type { Socket } from "node:net";
import {
  LauncelotConnection,
  type ProtocolCounters,
  type QuestionTable,
  type ServerStats,
} from "@bridgekeeper/spec";
import type { IdleTracked } from "./idle.js";

/** The largest single write; held output is observed (for idleness) at this granularity. */
export const MAX_WRITE_BYTES = 64 * 1024;

/** What every connection of one server shares. */
export interface ServerContext {
  readonly table: QuestionTable;
  readonly maxQuestionBytes: number;
  readonly highWaterMark: number;
  readonly counters: ProtocolCounters;
  readonly stats: ServerStats;
  readonly clients: Set<Client>;
  /** The idle sweeper's current tick (read on activity). */
  currentTick(): number;
  log(line: string): void;
  /** Called after a connection closed (graceful shutdown waits for the last one). */
  onClientClosed(): void;
}

const kClient = Symbol("launcelot.client");
type ClientSocket = Socket & { [kClient]: Client };

const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

export class Client implements IdleTracked {
  readonly socket: Socket;
  private readonly core: LauncelotConnection;
  private readonly ctx: ServerContext;
  /** Output Node holds for this socket, as last observed; its share of stats.queuedOutputBytes. */
  private held = 0;
  private paused = false;
  private ending = false;
  private closed = false;
  lastActiveTick: number;

  constructor(socket: Socket, ctx: ServerContext) {
    this.socket = socket;
    this.ctx = ctx;
    this.core = new LauncelotConnection(ctx.table, {
      maxQuestionBytes: ctx.maxQuestionBytes,
      counters: ctx.counters,
    });
    this.lastActiveTick = ctx.currentTick();
    (socket as ClientSocket)[kClient] = this;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("drain", onDrain);
    socket.on("error", onError);
    socket.on("close", onClose);
  }

  /** Bytes from the client. Node hands each read a fresh buffer, so the core may keep it as is. */
  receive(chunk: Buffer): void {
    this.ctx.stats.bytesIn += chunk.length;
    this.lastActiveTick = this.ctx.currentTick();
    this.core.receive(chunk);
    this.pump();
  }

  /** The client's FIN (HALF-1): answer every complete question, then end. */
  inputEnded(): void {
    this.core.receiveEnd();
    this.pump();
  }

  /** Node's stream handed all held output to the kernel. */
  drained(): void {
    this.lastActiveTick = this.ctx.currentTick();
    this.pump();
  }

  /** Moves replies from the core to the socket while the held output is under H. */
  pump(): void {
    const socket = this.socket;
    if (this.closed || socket.destroyed) return;
    const core = this.core;
    const stats = this.ctx.stats;
    const limit = this.ctx.highWaterMark;
    while (core.hasOutput) {
      const held = socket.writableLength;
      if (held >= limit) {
        this.observeHeld(held);
        if (!this.paused && core.state === "reading") {
          this.paused = true;
          socket.pause();
          stats.backpressurePauses++;
        }
        return; // 'drain' pumps again.
      }
      const out = core.pull(Math.min(limit - held, MAX_WRITE_BYTES));
      stats.bytesOut += out.length;
      socket.write(out);
      if (socket.writableLength > held) stats.partialWrites++;
    }
    this.observeHeld(socket.writableLength);
    if (this.paused) {
      this.paused = false;
      socket.resume();
    }
    if (!this.ending && core.done) {
      this.ending = true;
      socket.end(); // Node flushes what it holds, then sends FIN.
    }
  }

  /**
   * Graceful shutdown: no more input is taken; owed replies are sent, then FIN. The connection
   * closes when the client answers with its FIN; a client that does not is given SHUTDOWN_LINGER_MS
   * after Node handed our last byte and FIN to the kernel ('finish'), then the socket is closed (the
   * kernel still delivers what it holds). Input is read and dropped meanwhile: closing a socket with
   * unread input would send a reset and could destroy replies the client has not read yet.
   */
  shutdown(): void {
    // Bytes Node already read from the kernel but has not emitted (the socket is paused) were
    // received before the request: they are answered too (SHUTDOWN-1), then input stops. read()
    // hands each buffered chunk to the 'data' listener.
    while (this.socket.readableLength > 0 && this.socket.read() !== null);
    this.core.stopInput();
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
    if (this.socket.writableFinished) lingerThenClose.call(this.socket as ClientSocket);
    else this.socket.once("finish", lingerThenClose);
    this.pump();
  }

  /** Called by the idle sweeper: notes output progress (held output shrank) as activity. */
  observeProgress(tick: number): void {
    const held = this.socket.writableLength;
    if (held < this.held) this.lastActiveTick = tick;
    this.observeHeld(held);
  }

  /** IDLE-2: closes at once, dropping any unfinished question and unread output. */
  closeIdle(): void {
    if (this.closed) return;
    this.ctx.stats.idleClosed++;
    this.socket.destroy();
  }

  /** Ends the connection at once (the shutdown deadline). */
  destroy(): void {
    this.socket.destroy();
  }

  failed(error: NodeJS.ErrnoException): void {
    if (error.code !== undefined && RESET_CODES.has(error.code)) this.ctx.stats.resets++;
    else this.ctx.log(`connection error: ${error.code ?? error.message}`);
    // Node destroys the socket after 'error'; 'close' follows and cleans up.
  }

  closedNow(): void {
    if (this.closed) return;
    this.closed = true;
    this.observeHeld(0);
    this.ctx.clients.delete(this);
    this.ctx.stats.connectionsOpen--;
    this.ctx.onClientClosed();
  }

  private observeHeld(held: number): void {
    const stats = this.ctx.stats;
    stats.queuedOutputBytes += held - this.held;
    this.held = held;
    if (held > stats.peakConnectionQueuedBytes) stats.peakConnectionQueuedBytes = held;
    if (stats.queuedOutputBytes > stats.peakQueuedOutputBytes) {
      stats.peakQueuedOutputBytes = stats.queuedOutputBytes;
    }
  }
}

function onData(this: ClientSocket, chunk: Buffer): void {
  this[kClient].receive(chunk);
}

function onEnd(this: ClientSocket): void {
  this[kClient].inputEnded();
}

function onDrain(this: ClientSocket): void {
  this[kClient].drained();
}

function onError(this: ClientSocket, error: NodeJS.ErrnoException): void {
  this[kClient].failed(error);
}

/** How long a shutting-down server waits for a client's FIN after sending its own. */
export const SHUTDOWN_LINGER_MS = 2000;

function lingerThenClose(this: ClientSocket): void {
  setTimeout(() => this.destroy(), SHUTDOWN_LINGER_MS).unref();
}

function onClose(this: ClientSocket): void {
  this[kClient].closedNow();
}
