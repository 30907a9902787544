/**
 * Pushing pipelined questions on a socket that does not read until its writes stall: the usual
 * way to fill a server's buffers and see whether it stops reading (FLOW-2).
 */
import type { Socket } from "node:net";

export interface PushResult {
  /** Bytes handed to write() (all of them reach the server once it reads). */
  readonly pushed: number;
  /** A write returned false and no 'drain' came within the stall window. */
  readonly stalled: boolean;
  readonly ms: number;
}

/** Waits for the socket's 'drain' up to `ms` (at once when nothing waits); whether it came. */
export function drained(socket: Socket, ms: number): Promise<boolean> {
  if (!socket.writableNeedDrain) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const done = (value: boolean): void => {
      clearTimeout(timer);
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      resolve(value);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), ms);
    socket.on("drain", onDrain);
    socket.on("close", onClose);
  });
}

/**
 * Writes `nextChunk()` while the socket takes it; after a write returns false, waits for 'drain'
 * up to `stallMs`. Stops at a stall, at `capBytes`, when the socket closes or `signal` aborts.
 */
export async function pushUntilStall(
  socket: Socket,
  nextChunk: () => Uint8Array,
  capBytes: number,
  stallMs: number,
  signal?: AbortSignal,
): Promise<PushResult> {
  const started = performance.now();
  let pushed = 0;
  let stalled = false;
  while (pushed < capBytes && !signal?.aborted && !socket.destroyed && socket.writable) {
    const chunk = nextChunk();
    pushed += chunk.length;
    if (!socket.write(chunk) && !(await drained(socket, stallMs))) {
      stalled = !socket.destroyed;
      break;
    }
  }
  return { pushed, stalled, ms: performance.now() - started };
}
