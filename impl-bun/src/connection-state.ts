/**
 * What the server keeps per connection (in `socket.data`), and the output path around the core.
 *
 * Ownership of bytes: the core (`LauncelotConnection`) holds received input and decides what to
 * send; this module holds the output the kernel did not take. Bun's `write()` is unbuffered and may
 * be partial: the unwritten rest stays here, in order, and is written on `drain`; answers pulled
 * meanwhile queue behind it. Output is pulled from the core only while less than H bytes are held,
 * so no more than H bytes are ever held for a connection; while the core has more ready than that,
 * reading from the socket is paused (FLOW-2) and resumed once output drains (FLOW-3).
 */
import type { LauncelotConnection, ServerStats } from "@bridgekeeper/spec";
import type { Socket } from "bun";

export type LauncelotSocket = Socket<ConnectionState>;

/** One connection's state; a class so every instance shares one shape (small, fast property access). */
export class ConnectionState {
  readonly conn: LauncelotConnection;
  /** Output not yet taken by the kernel, oldest first; `heldOffset` bytes of the first already sent. */
  held: Uint8Array[] | undefined = undefined;
  heldOffset = 0;
  heldBytes = 0;
  /** Reading paused because the core has more output than H allows to hold. */
  paused = false;
  /** Sweeps of the idle timer since the last byte in or out (reset on progress, not on attempts). */
  idleTicks = 0;
  /** Our write side is shut down (FIN sent) with input still open; waiting for the client's FIN. */
  halfClosed = false;
  /** We asked for the socket to close; it is gone once `closed` is set by the close callback. */
  closing = false;
  closed = false;

  constructor(conn: LauncelotConnection) {
    this.conn = conn;
  }
}

/** Per-server context the output path needs; one per listener, shared by its connections. */
export interface OutputContext {
  readonly highWaterMark: number;
  readonly stats: ServerStats;
}

function addQueued(ctx: OutputContext, state: ConnectionState, bytes: Uint8Array): void {
  if (state.held === undefined) {
    state.held = [bytes];
    state.heldOffset = 0;
  } else {
    state.held.push(bytes);
  }
  state.heldBytes += bytes.length;
  const stats = ctx.stats;
  stats.queuedOutputBytes += bytes.length;
  if (stats.queuedOutputBytes > stats.peakQueuedOutputBytes) {
    stats.peakQueuedOutputBytes = stats.queuedOutputBytes;
  }
  if (state.heldBytes > stats.peakConnectionQueuedBytes) stats.peakConnectionQueuedBytes = state.heldBytes;
}

/** Drops held output (the socket is gone) and takes it off the server's queued total. */
export function releaseHeld(ctx: OutputContext, state: ConnectionState): void {
  ctx.stats.queuedOutputBytes -= state.heldBytes;
  state.held = undefined;
  state.heldOffset = 0;
  state.heldBytes = 0;
}

/**
 * Writes held output, oldest first, until the kernel takes a short count. True when nothing is
 * held any more. A negative count means the socket closed: the close callback cleans up.
 */
export function flushHeld(socket: LauncelotSocket, state: ConnectionState, ctx: OutputContext): boolean {
  const held = state.held;
  if (held === undefined) return true;
  const stats = ctx.stats;
  while (held.length > 0) {
    const first = held[0] as Uint8Array;
    const rest = first.length - state.heldOffset;
    const written = socket.write(first, state.heldOffset, rest);
    if (written < 0) return false;
    if (written > 0) {
      state.idleTicks = 0;
      state.heldBytes -= written;
      stats.queuedOutputBytes -= written;
      stats.bytesOut += written;
    }
    if (written < rest) {
      stats.partialWrites++;
      state.heldOffset += written;
      return false;
    }
    held.shift();
    state.heldOffset = 0;
  }
  state.held = undefined;
  return true;
}

/**
 * Moves replies from the core to the socket while less than H bytes are held, then pauses or
 * resumes reading. Returns true when the core is done and nothing is held: the caller closes.
 */
export function pump(socket: LauncelotSocket, state: ConnectionState, ctx: OutputContext): boolean {
  const conn = state.conn;
  const limit = ctx.highWaterMark;
  const stats = ctx.stats;
  while (state.heldBytes < limit && conn.hasOutput) {
    const bytes = conn.pull(limit - state.heldBytes);
    if (state.heldBytes > 0) {
      addQueued(ctx, state, bytes);
      continue;
    }
    const written = socket.write(bytes);
    if (written === bytes.length) {
      state.idleTicks = 0;
      stats.bytesOut += written;
      continue;
    }
    if (written < 0) return false; // closed under us (reset): the close callback cleans up
    stats.partialWrites++;
    if (written > 0) {
      state.idleTicks = 0;
      stats.bytesOut += written;
    }
    addQueued(ctx, state, written === 0 ? bytes : bytes.subarray(written));
  }
  if (conn.hasOutput) {
    if (!state.paused) {
      state.paused = true;
      stats.backpressurePauses++;
      socket.pause();
    }
    return false;
  }
  if (state.paused) {
    state.paused = false;
    socket.resume();
  }
  return state.heldBytes === 0 && conn.done;
}
