/**
 * Client-side tools for the behaviour tests: connecting, reading exact byte counts, seeded question
 * sequences, an incremental verifier of an answer stream (nothing buffered), and an adaptive pusher
 * that writes pipelined questions until the client's own writes stall.
 */
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import { loadTableFile, type QuestionTable, type ServerStats } from "@bridgekeeper/spec";
import { tablesDir } from "./harness.js";
import { WakeUp } from "./wake-up.js";

export const enc = (text: string): Buffer => Buffer.from(text, "utf8");

export async function loadTable(name: string): Promise<QuestionTable> {
  return loadTableFile(join(tablesDir, `${name}.json`));
}

/**
 * Connects with Nagle off; the socket gets an 'error' listener that records the error (a reset is
 * never an uncaught exception). `allowHalfOpen` keeps the client's side open after the server's FIN.
 */
export function connect(
  port: number,
  host = "127.0.0.1",
  timeoutMs = 10_000,
  allowHalfOpen = false,
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ port, host, noDelay: true, allowHalfOpen });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${host}:${port}: timed out`));
    }, timeoutMs);
    socket.on("error", (error) => {
      clearTimeout(timer);
      (socket as Socket & { lastError?: Error }).lastError = error;
      reject(error);
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

/** Collects what a socket receives; tests wait for byte counts or for the server's FIN. */
export class Received {
  private chunks: Buffer[] = [];
  length = 0;
  ended = false;
  closed = false;
  /** The socket's error (a reset), if one came. */
  error: Error | undefined;
  private readonly wakeUp = new WakeUp();

  constructor(readonly socket: Socket) {
    socket.on("error", (error) => {
      this.error = error;
    });
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.wakeUp.wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.wakeUp.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wakeUp.wake();
    });
  }

  bytes(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  text(): string {
    return this.bytes().toString("utf8");
  }

  /** Waits until `condition` holds or the timeout passes; returns whether it held. */
  async until(condition: () => boolean, timeoutMs = 20_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.wakeUp.sleep(Math.min(left, 1000));
    }
    return true;
  }

  /** Waits for at least `n` bytes in total; throws with what arrived when they do not come. */
  async atLeast(n: number, timeoutMs = 20_000): Promise<Buffer> {
    if (!(await this.until(() => this.length >= n || this.closed, timeoutMs)) || this.length < n) {
      throw new Error(`expected ${n} bytes, got ${this.length} (${JSON.stringify(this.text().slice(-200))})`);
    }
    return this.bytes();
  }

  /** Waits for the server's FIN (or close). */
  async end(timeoutMs = 20_000): Promise<boolean> {
    return this.until(() => this.ended || this.closed, timeoutMs);
  }
}

/** Asks one question on a fresh reader and returns exactly `expected.length` bytes. */
export async function ask(
  socket: Socket,
  received: Received,
  question: string,
  expected: string,
): Promise<string> {
  const before = received.length;
  socket.write(question);
  const want = before + Buffer.byteLength(expected);
  const bytes = await received.atLeast(want);
  return bytes.subarray(before, want).toString("utf8");
}

/** Asks one question on a fresh connection and returns exactly `expected.length` bytes. */
export async function askOnce(
  port: number,
  question: string,
  expected: string,
  host = "127.0.0.1",
): Promise<string> {
  const socket = await connect(port, host);
  try {
    return await ask(socket, new Received(socket), question, expected);
  } finally {
    socket.destroy();
  }
}

/** xorshift32: a small seeded generator, so a sequence can be regenerated to verify answers. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

/** The table's questions and answers as bytes, plus the reply to an unknown question. */
export interface Script {
  questions: Buffer[];
  answers: Buffer[];
}

/** Questions of the canonical table (fixtures/tables/canonical.json) and their answers. */
export const NAME = "What is your name?";
export const A_NAME = "My name is Sir Lancelot of Camelot.";
export const QUEST = "What is your quest?";
export const A_QUEST = "To seek the Holy Grail.";
export const COLOR = "What is your favorite color?";
export const A_COLOR = "Blue.";
export const TOO_LONG = "Your question is too long.";

export const UNKNOWN_QUESTION = enc("What is the airspeed velocity of an unladen swallow?");
export const UNKNOWN_REPLY = enc("I don't know that.");

/** Every table question, plus one unknown question, with the replies they must get. */
export function scriptOf(table: QuestionTable, withUnknown = true): Script {
  const questions: Buffer[] = table.entries.map((e) => Buffer.from(e.question));
  const answers: Buffer[] = table.entries.map((e) => Buffer.from(e.answer));
  if (withUnknown) {
    questions.push(UNKNOWN_QUESTION);
    answers.push(UNKNOWN_REPLY);
  }
  return { questions, answers };
}

/** Seeded batches of pipelined questions; the same seed regenerates the answer order. */
export class QuestionStream {
  private readonly prng: Prng;
  count = 0;
  constructor(
    private readonly script: Script,
    seed: number,
    /** Put CR LF (bytes the framing skips) before about one question in four. */
    private readonly separators = true,
    /** Bytes of CR LF put before every question (0: none). */
    private readonly padding = 0,
  ) {
    this.prng = new Prng(seed);
    this.pad = Buffer.alloc(padding, "\r\n");
  }

  private readonly pad: Buffer;

  /** About `bytes` bytes of whole questions. */
  batch(bytes: number): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    while (size < bytes) {
      const r = this.prng.next();
      const q = this.script.questions[r % this.script.questions.length] as Buffer;
      if (this.separators && (r >>> 8) % 4 === 0) {
        parts.push(CRLF);
        size += 2;
      }
      if (this.padding > 0) {
        parts.push(this.pad);
        size += this.padding;
      }
      parts.push(q);
      size += q.length;
      this.count++;
    }
    return Buffer.concat(parts, size);
  }
}

const CRLF = enc("\r\n");

/**
 * Checks an answer stream as it arrives against the answers the seeded questions demand, byte by
 * byte, keeping only a position: every answer exactly once, in order, nothing extra.
 */
export class AnswerVerifier {
  private readonly prng: Prng;
  private current: Buffer | undefined;
  private pos = 0;
  answers = 0;
  bytes = 0;
  /** The first discrepancy, if any. */
  error: string | undefined;
  /** Total answers expected (set once the pushing is over). */
  expected = Number.POSITIVE_INFINITY;

  constructor(
    private readonly script: Script,
    seed: number,
  ) {
    this.prng = new Prng(seed);
  }

  private nextAnswer(): Buffer {
    const r = this.prng.next();
    return this.script.answers[r % this.script.answers.length] as Buffer;
  }

  feed(chunk: Buffer): void {
    if (this.error !== undefined) return;
    let at = 0;
    while (at < chunk.length) {
      if (this.current === undefined) {
        if (this.answers >= this.expected) {
          this.error = `${chunk.length - at} bytes arrived after all ${this.expected} answers`;
          return;
        }
        this.current = this.nextAnswer();
        this.pos = 0;
      }
      const take = Math.min(this.current.length - this.pos, chunk.length - at);
      if (chunk.compare(this.current, this.pos, this.pos + take, at, at + take) !== 0) {
        this.error = `answer ${this.answers} differs at its byte ${this.pos} (stream byte ${this.bytes}): got ${JSON.stringify(
          chunk.subarray(at, at + Math.min(take, 40)).toString("latin1"),
        )}, expected ${JSON.stringify(this.current.subarray(this.pos, this.pos + Math.min(take, 40)).toString("latin1"))}`;
        return;
      }
      at += take;
      this.pos += take;
      this.bytes += take;
      if (this.pos === this.current.length) {
        this.current = undefined;
        this.answers++;
      }
    }
  }

  get complete(): boolean {
    return this.error === undefined && this.answers === this.expected && this.current === undefined;
  }
}

export interface PushResult {
  /** Bytes handed to write() (all of them reach the server once it reads). */
  pushed: number;
  /** True when a write returned false and no 'drain' came within the stall window. */
  stalled: boolean;
}

/**
 * Writes batches while the socket takes them; after a write returns false, waits for 'drain' up to
 * `stallMs`. Stops at a stall or at `capBytes`.
 */
export async function pushUntilStall(
  socket: Socket,
  nextBatch: () => Buffer,
  capBytes: number,
  stallMs = 2000,
): Promise<PushResult> {
  let pushed = 0;
  while (pushed < capBytes) {
    const batch = nextBatch();
    pushed += batch.length;
    if (!socket.write(batch) && !(await drained(socket, stallMs))) return { pushed, stalled: true };
  }
  return { pushed, stalled: false };
}

/** Waits for the socket's 'drain' up to `ms`; returns whether it came. */
export function drained(socket: Socket, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      socket.off("drain", onDrain);
      resolve(false);
    }, ms);
    const onDrain = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    socket.once("drain", onDrain);
  });
}

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

/** Checks arriving bytes against repetitions of one answer unit, up to `expectedTotal`, storing none. */
export class StreamChecker {
  received = 0;
  firstMismatch: number | undefined;
  ended = false;
  private readonly wakeUp = new WakeUp();

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
    this.wakeUp.wake();
  }

  end(): void {
    this.ended = true;
    this.wakeUp.wake();
  }

  /** Waits while bytes keep coming (no progress for `stallMs` ends the wait) until `done()`. */
  async waitFor(done: () => boolean, stallMs = 20_000): Promise<void> {
    while (!done()) {
      const before = this.received;
      const beforeEnded = this.ended;
      await this.wakeUp.sleep(stallMs);
      if (!done() && this.received === before && this.ended === beforeEnded) return;
    }
  }
}

/** Starts reading: every byte goes through `checker`; the server's FIN ends it. */
export function readInto(socket: Socket, checker: StreamChecker): void {
  socket.on("data", (chunk: Buffer) => checker.feed(chunk));
  socket.on("end", () => checker.end());
  socket.resume();
}

export interface WatchedPush {
  /** Batches written (each `batch.length` bytes of questions). */
  batches: number;
  bytesPushed: number;
  /** The client's own writes stopped draining: the server stopped reading. */
  clientStalled: boolean;
  stats: ServerStats;
}

/**
 * Pipelines `batch` again and again on a client that reads nothing, reading the server's stats
 * every `statsEvery` bytes, until `enough(stats, clientStalled)` or `capBytes`.
 */
export async function pushWatchingStats(
  socket: Socket,
  batch: Buffer,
  readStats: () => Promise<ServerStats>,
  enough: (stats: ServerStats, clientStalled: boolean) => boolean,
  options: { statsEvery: number; capBytes: number; stallMs?: number },
): Promise<WatchedPush> {
  const stallMs = options.stallMs ?? 2000;
  let batches = 0;
  let sinceStats = 0;
  let clientStalled = false;
  let stats = await readStats();
  while (batches * batch.length < options.capBytes) {
    const flushed = socket.write(batch);
    batches++;
    sinceStats += batch.length;
    if (!flushed && !(await drained(socket, stallMs))) clientStalled = true;
    if (sinceStats >= options.statsEvery || clientStalled) {
      sinceStats = 0;
      stats = await readStats();
      if (enough(stats, clientStalled)) break;
      if (clientStalled) {
        // Still stalled and not enough: wait for the drain before writing more.
        await drained(socket, stallMs * 5);
        clientStalled = false;
      }
    }
  }
  return { batches, bytesPushed: batches * batch.length, clientStalled, stats };
}

/** Sends RST (SO_LINGER 0) and frees the socket. */
export function reset(socket: Socket): void {
  if (!socket.destroyed) socket.resetAndDestroy();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 25 ms for up to `timeoutMs`; returns whether it held. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}

export const MiB = 1024 * 1024;
export const KiB = 1024;
