/**
 * One connection of the Bun server (in `socket.data`): the loop between a Bun socket and the
 * sans-I/O core.
 *
 * Who owns unsent bytes. The core owns received input until it parses it and decides what to send.
 * Bun's `write()` is unbuffered and may be partial: the unwritten rest is this class's, it stays in
 * `held`, in order, and is written on `drain`; replies pulled meanwhile queue behind it. It pulls
 * from the core only while less than H bytes are held, and never more than H minus that, so the
 * output held for one connection never exceeds H (FLOW-2). While the core has more output than
 * that, reading from the socket is paused; Bun's `drain` writes what is held and pumps again, which
 * resumes reading once the core has nothing ready (FLOW-3).
 *
 * Ending. Once the core is done and nothing is held (Bun's `end()` does not flush what we hold):
 * after the client's FIN, close; otherwise (the too-long reply, a graceful shutdown) our last byte
 * has left, `shutdown()` sends FIN only, and the connection lingers: input is read and dropped
 * until the client's FIN, at most LINGER_MS (the idle clock's linger rule).
 *
 * Event handlers are created once per server (server.ts) and call the Connection in `socket.data`;
 * a connection refused past the limit has none.
 */
import { type ClockedConnection, notePeaks, type ServerState } from "@bridgekeeper/server-kit";
import { firstLine, LauncelotConnection } from "@bridgekeeper/spec";
import type { Socket } from "bun";

export type LauncelotSocket = Socket<Connection | undefined>;

export class Connection implements ClockedConnection {
  readonly socket: LauncelotSocket;
  private readonly core: LauncelotConnection;
  /** What every connection of the server shares. */
  private readonly server: ServerState<Connection>;
  /** Output the kernel did not take, oldest first; `heldOffset` bytes of the first already sent. */
  private held: Uint8Array[] | undefined = undefined;
  private heldOffset = 0;
  private heldBytes = 0;
  /** Reading paused because the core has more output than H allows to hold. */
  private paused = false;
  /** We asked the socket to close; `isClosed` once Bun's close callback ran. */
  private closing = false;
  private isClosed = false;
  quietTicks = 0;
  lingering = false;

  constructor(socket: LauncelotSocket, server: ServerState<Connection>) {
    this.socket = socket;
    this.server = server;
    this.core = new LauncelotConnection(server.table, server.coreOptions);
    socket.data = this;
  }

  /** Bytes from the client. Bun hands each read a fresh buffer, so the core may keep it as is. */
  receive(chunk: Uint8Array): void {
    if (this.closing) return;
    this.server.stats.bytesIn += chunk.length;
    this.quietTicks = 0;
    this.core.receive(chunk);
    this.pump();
  }

  /** The client's FIN (HALF-1): answer every complete question, then end. */
  ended(): void {
    if (this.closing) return;
    this.core.receiveEnd();
    this.pump();
  }

  /** The kernel has room again: write what is held, then pump. */
  drained(): void {
    if (this.closing) return;
    if (this.flushHeld()) this.pump();
  }

  /** Moves replies from the core to the socket while less than H bytes are held. */
  pump(): void {
    const socket = this.socket;
    const core = this.core;
    const stats = this.server.stats;
    const limit = this.server.highWaterMark;
    while (this.heldBytes < limit && core.hasOutput) {
      const bytes = core.pull(limit - this.heldBytes);
      if (this.heldBytes > 0) {
        this.hold(bytes);
        continue;
      }
      const written = socket.write(bytes);
      if (written < 0) return; // closed under us (reset): the close callback cleans up
      if (written > 0) {
        this.quietTicks = 0;
        stats.bytesOut += written;
      }
      if (written === bytes.length) continue;
      stats.partialWrites++;
      this.hold(written === 0 ? bytes : bytes.subarray(written));
    }
    if (core.hasOutput) {
      if (!this.paused) {
        this.paused = true;
        stats.backpressurePauses++;
        socket.pause();
      }
      return; // 'drain' pumps again.
    }
    if (this.paused) {
      this.paused = false;
      socket.resume();
    }
    if (this.heldBytes === 0 && core.done) this.finish();
  }

  /** Graceful shutdown (SHUTDOWN-1): no more input is taken; owed replies are sent, then FIN. */
  shutdown(): void {
    if (this.closing) return;
    this.core.stopInput();
    this.pump();
  }

  /** The core is done and nothing is held: close after the client's FIN, or FIN and linger. */
  private finish(): void {
    if (this.core.clientEnded) this.closeNow();
    else if (!this.lingering) this.linger();
  }

  /** Our last byte left: FIN, then wait for the client's FIN, at most LINGER_MS. */
  private linger(): void {
    this.lingering = true;
    this.socket.shutdown();
    this.server.clock.linger(this);
  }

  /** IDLE-2: closes at once, dropping any unfinished question and unread output. */
  closeIdle(): void {
    if (this.closing) return;
    this.server.stats.idleClosed++;
    this.closeNow();
  }

  /** Closes at once (idle, the linger's end); what we hold is dropped. */
  closeNow(): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.end(); // may run closed() before it returns
  }

  /** The shutdown deadline: a reset, dropping what the client did not read. */
  reset(): void {
    this.closing = true;
    this.socket.terminate();
  }

  errored(error: Error): void {
    this.server.log(`connection error: ${firstLine(error)}`);
    this.closeNow();
  }

  /** Bun's close callback: after our close, or the client's reset (with an error). */
  closed(error?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closing = true;
    this.releaseHeld();
    if (error !== undefined) this.server.stats.resets++;
    this.server.closed(this);
  }

  /** Queues bytes the kernel did not take, behind what is held already. */
  private hold(bytes: Uint8Array): void {
    if (this.held === undefined) {
      this.held = [bytes];
      this.heldOffset = 0;
    } else {
      this.held.push(bytes);
    }
    this.heldBytes += bytes.length;
    this.server.stats.queuedOutputBytes += bytes.length;
    notePeaks(this.server.stats, this.heldBytes);
  }

  /** Writes held output, oldest first, until the kernel takes a short count; true once nothing is held. */
  private flushHeld(): boolean {
    const held = this.held;
    if (held === undefined) return true;
    const stats = this.server.stats;
    while (held.length > 0) {
      const first = held[0] as Uint8Array;
      const rest = first.length - this.heldOffset;
      const written = this.socket.write(first, this.heldOffset, rest);
      if (written < 0) return false; // closed: the close callback cleans up
      if (written > 0) {
        this.quietTicks = 0;
        this.heldBytes -= written;
        stats.queuedOutputBytes -= written;
        stats.bytesOut += written;
      }
      if (written < rest) {
        stats.partialWrites++;
        this.heldOffset += written;
        return false;
      }
      held.shift();
      this.heldOffset = 0;
    }
    this.held = undefined;
    return true;
  }

  /** Drops held output (the socket is gone) and takes it off the server's queued total. */
  private releaseHeld(): void {
    this.server.stats.queuedOutputBytes -= this.heldBytes;
    this.held = undefined;
    this.heldOffset = 0;
    this.heldBytes = 0;
  }
}
