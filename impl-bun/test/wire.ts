/**
 * Loopback clients for the partial-write tests: a conversation pattern repeated many times, a
 * pusher that pipelines it without reading, and a reader that checks the answer stream byte by
 * byte against the expected one as it arrives (so tens of MiB are checked without being kept).
 */
import { connect, type Socket } from "node:net";
import type { ServerStats } from "@bridgekeeper/spec";

/** Questions sent in one go and the answers they are owed, as one repeating unit. */
export interface Pattern {
  readonly questions: Buffer;
  readonly answers: Buffer;
}

export function pattern(
  pairs: ReadonlyArray<readonly [question: string, answer: string]>,
  separator = "",
): Pattern {
  return {
    questions: Buffer.from(pairs.map(([q]) => q + separator).join(""), "utf8"),
    answers: Buffer.from(pairs.map(([, a]) => a).join(""), "utf8"),
  };
}

export function repeat(p: Pattern, times: number): Buffer {
  return Buffer.concat(Array.from({ length: times }, () => p.questions));
}

/** A connected client; `allowHalfOpen` keeps its side open after the server's FIN. */
export async function connectTo(host: string, port: number, allowHalfOpen = false): Promise<Socket> {
  return new Promise((resolveSocket, reject) => {
    const socket = connect({ host, port, noDelay: true, allowHalfOpen });
    socket.once("connect", () => {
      socket.off("error", reject);
      // A reset must not become an uncaught exception in the test process; tests judge the bytes.
      socket.on("error", () => undefined);
      resolveSocket(socket);
    });
    socket.once("error", reject);
  });
}

/** Checks arriving bytes against `units` repetitions of `expected`, without storing them. */
export class StreamChecker {
  received = 0;
  firstMismatch: number | undefined;
  ended = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly expected: Buffer,
    readonly expectedTotal: number,
  ) {}

  feed(chunk: Buffer): void {
    const unit = this.expected;
    for (let i = 0; i < chunk.length; i++) {
      const at = this.received + i;
      if (
        this.firstMismatch === undefined &&
        (at >= this.expectedTotal || chunk[i] !== unit[at % unit.length])
      ) {
        this.firstMismatch = at;
      }
    }
    this.received += chunk.length;
    this.wake();
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits while bytes keep coming (no progress for `stallMs` ends the wait) until `done()`. */
  async waitFor(done: () => boolean, stallMs = 20_000): Promise<void> {
    while (!done()) {
      const before = this.received;
      const beforeEnded = this.ended;
      await new Promise<void>((r) => {
        const timer = setTimeout(r, stallMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
      if (!done() && this.received === before && this.ended === beforeEnded) return;
    }
  }
}

export interface PushResult {
  /** Batches written (each `batch.length` bytes of questions). */
  batches: number;
  bytesPushed: number;
  /** The client's own writes stopped draining: the server stopped reading. */
  clientStalled: boolean;
  stats: ServerStats;
}

/**
 * Pipelines `batch` again and again on a client that reads nothing, asking the server for its
 * stats every `statsEvery` bytes, until `enough(stats, clientStalled)` or `capBytes`.
 */
export async function pushWithoutReading(
  socket: Socket,
  batch: Buffer,
  readStats: () => Promise<ServerStats>,
  enough: (stats: ServerStats, clientStalled: boolean) => boolean,
  options: { statsEvery: number; capBytes: number; stallMs?: number },
): Promise<PushResult> {
  const stallMs = options.stallMs ?? 2000;
  let batches = 0;
  let sinceStats = 0;
  let clientStalled = false;
  let stats = await readStats();
  while (batches * batch.length < options.capBytes) {
    const flushed = socket.write(batch);
    batches++;
    sinceStats += batch.length;
    if (!flushed) {
      const drained = await new Promise<boolean>((r) => {
        const timer = setTimeout(() => {
          socket.off("drain", onDrain);
          r(false);
        }, stallMs);
        const onDrain = (): void => {
          clearTimeout(timer);
          r(true);
        };
        socket.once("drain", onDrain);
      });
      if (!drained) clientStalled = true;
    }
    if (sinceStats >= options.statsEvery || clientStalled) {
      sinceStats = 0;
      stats = await readStats();
      if (enough(stats, clientStalled)) break;
      if (clientStalled) {
        // Still stalled and not enough: wait for the drain before writing more.
        await new Promise<void>((r) => {
          const timer = setTimeout(r, stallMs * 5);
          socket.once("drain", () => {
            clearTimeout(timer);
            r();
          });
        });
        clientStalled = false;
      }
    }
  }
  return { batches, bytesPushed: batches * batch.length, clientStalled, stats };
}

/** Starts reading: every byte goes through `checker`; the server's FIN ends it. */
export function readInto(socket: Socket, checker: StreamChecker): void {
  socket.on("data", (chunk: Buffer) => checker.feed(chunk));
  socket.on("end", () => checker.end());
  socket.resume();
}

/** One lock-step question on a fresh connection: the answer bytes, as text. */
export async function askOnce(
  host: string,
  port: number,
  question: string,
  answerBytes: number,
): Promise<string> {
  const socket = await connectTo(host, port);
  try {
    return await new Promise<string>((resolveAnswer, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const timer = setTimeout(() => reject(new Error("no answer within 20 s")), 20_000);
      socket.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= answerBytes) {
          clearTimeout(timer);
          resolveAnswer(Buffer.concat(chunks).toString("utf8"));
        }
      });
      socket.on("error", reject);
      socket.write(question);
    });
  } finally {
    socket.destroy();
  }
}
