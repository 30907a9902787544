/**
 * One connection of the Node server: the loop between a `net.Socket` and the sans-I/O core.
 *
 * Who owns unsent bytes. The core owns received input until it parses it and decides what to send.
 * Bytes handed to `socket.write()` are owned by Node's writable stream until the kernel takes them;
 * this class keeps none of its own, it only counts them (`socket.writableLength`). It pulls from
 * the core only while that count is under the high-water mark H, and never more than H minus the
 * count, so the output held for one connection never exceeds H (FLOW-2). While the core has more
 * output than that, reading from the socket is paused; Node's `'drain'` (the held output has been
 * taken by the kernel) pumps again, which resumes reading once the core has nothing ready (FLOW-3).
 *
 * Ending. Once the core is done, `socket.end()`: Node flushes what it holds, then sends FIN. After
 * the client's FIN that closes the socket; otherwise (the too-long reply, a graceful shutdown) it
 * lingers from `'finish'`, when Node handed our last byte to the kernel: input is read and dropped
 * until the client's FIN, at most LINGER_MS (the idle clock's linger rule).
 *
 * Event handlers are shared functions (one set for all sockets, no closures per connection or per
 * write); the socket points back to its Connection through a symbol-keyed property.
 */
import type { Socket } from "node:net";
import { type ClockedConnection, notePeaks, type ServerState } from "@bridgekeeper/server-kit";
import { LauncelotConnection } from "@bridgekeeper/spec";

/** The largest single write; held output is observed (for idleness) at this granularity. */
export const MAX_WRITE_BYTES = 64 * 1024;

const kConnection = Symbol("launcelot.connection");
type ConnectionSocket = Socket & { [kConnection]: Connection };

const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

export class Connection implements ClockedConnection {
  readonly socket: Socket;
  private readonly core: LauncelotConnection;
  /** What every connection of the server shares. */
  private readonly server: ServerState<Connection>;
  /** Output Node holds for this socket, as last observed; its share of stats.queuedOutputBytes. */
  private held = 0;
  /** Reading paused because the core has more output than H allows to hold. */
  private paused = false;
  /** The core is done and `socket.end()` was called. */
  private finished = false;
  private isClosed = false;
  quietTicks = 0;
  lingering = false;

  constructor(socket: Socket, server: ServerState<Connection>) {
    this.socket = socket;
    this.server = server;
    this.core = new LauncelotConnection(server.table, server.coreOptions);
    (socket as ConnectionSocket)[kConnection] = this;
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("drain", onDrain);
    socket.on("error", onError);
    socket.on("close", onClose);
  }

  /** Bytes from the client. Node hands each read a fresh buffer, so the core may keep it as is. */
  receive(chunk: Buffer): void {
    this.server.stats.bytesIn += chunk.length;
    this.quietTicks = 0;
    this.core.receive(chunk);
    this.pump();
  }

  /** The client's FIN (HALF-1): answer every complete question, then end. */
  ended(): void {
    this.core.receiveEnd();
    this.pump();
  }

  /** Node's stream handed all held output to the kernel. */
  drained(): void {
    this.quietTicks = 0;
    this.pump();
  }

  /** Moves replies from the core to the socket while the held output is under H. */
  pump(): void {
    const socket = this.socket;
    if (this.isClosed || socket.destroyed) return;
    const core = this.core;
    const stats = this.server.stats;
    const limit = this.server.highWaterMark;
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
    if (!this.finished && core.done) this.finish();
  }

  /** Graceful shutdown (SHUTDOWN-1): no more input is taken; owed replies are sent, then FIN. */
  shutdown(): void {
    // Bytes Node already read from the kernel but has not emitted (the socket is paused) were
    // received before the request: they are answered too, then input stops. read() hands each
    // buffered chunk to the 'data' listener.
    while (this.socket.readableLength > 0 && this.socket.read() !== null);
    this.core.stopInput();
    if (this.paused) {
      this.paused = false;
      this.socket.resume(); // read and drop from now on
    }
    this.pump();
  }

  /** The core is done: FIN after what Node holds; then close on the client's FIN, or linger. */
  private finish(): void {
    this.finished = true;
    this.socket.end();
    if (!this.core.clientEnded) this.socket.once("finish", onFinish);
  }

  /** Our last byte and FIN left ('finish'): wait for the client's FIN, at most LINGER_MS. */
  linger(): void {
    if (this.isClosed || this.core.clientEnded) return; // Node closes once both sides ended
    this.observeHeld(this.socket.writableLength); // 0: the clock no longer observes it
    this.lingering = true;
    this.server.clock.linger(this);
  }

  /** Called by the idle clock at each sweep: output progress (held output shrank) is activity. */
  observeOutput(): void {
    const held = this.socket.writableLength;
    if (held < this.held) this.quietTicks = 0;
    this.observeHeld(held);
  }

  /** IDLE-2: closes at once, dropping any unfinished question and unread output. */
  closeIdle(): void {
    if (this.isClosed) return;
    this.server.stats.idleClosed++;
    this.closeNow();
  }

  /** Closes at once (idle, the linger's end, the shutdown deadline); the kernel sends what it holds. */
  closeNow(): void {
    this.socket.destroy();
  }

  errored(error: NodeJS.ErrnoException): void {
    if (error.code !== undefined && RESET_CODES.has(error.code)) this.server.stats.resets++;
    else this.server.log(`connection error: ${error.code ?? error.message}`);
    // Node destroys the socket after 'error'; 'close' follows and cleans up.
  }

  closed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.observeHeld(0);
    this.server.closed(this);
  }

  private observeHeld(held: number): void {
    const stats = this.server.stats;
    stats.queuedOutputBytes += held - this.held;
    this.held = held;
    notePeaks(stats, held);
  }
}

function onData(this: ConnectionSocket, chunk: Buffer): void {
  this[kConnection].receive(chunk);
}

function onEnd(this: ConnectionSocket): void {
  this[kConnection].ended();
}

function onDrain(this: ConnectionSocket): void {
  this[kConnection].drained();
}

function onFinish(this: ConnectionSocket): void {
  this[kConnection].linger();
}

function onError(this: ConnectionSocket, error: NodeJS.ErrnoException): void {
  this[kConnection].errored(error);
}

function onClose(this: ConnectionSocket): void {
  this[kConnection].closed();
}
