/**
 * Client-side tools for the behaviour tests: connecting, reading exact byte counts, seeded question
 * sequences, an incremental verifier of an answer stream (nothing buffered), and an adaptive pusher
 * that writes pipelined questions until the client's own writes stall.
 */
import { connect as netConnect, type Socket } from "node:net";
import { join } from "node:path";
import {
  CyclicOrder,
  drained,
  QuestionChunker,
  type QuestionSet,
  ReplyChecker,
  SeededOrder,
} from "@bridgekeeper/client-kit";
import type { ServerStats } from "@bridgekeeper/server-kit";
import type { QuestionTable } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
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

/** Waits (20 s at most) for the server's FIN or a close; true when it came and was a FIN, not a reset. */
export async function closedByFin(received: Received): Promise<boolean> {
  if (!(await received.end(20_000))) return false;
  return received.ended || received.error === undefined;
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

/** A script as the client toolkit takes it: question i gets reply i. */
function questionSet(script: Script): QuestionSet {
  return { questions: script.questions, replies: script.answers };
}

/** Seeded batches of pipelined questions (client-kit's chunker); the same seed regenerates the answer order. */
export class QuestionStream {
  private readonly chunker: QuestionChunker;
  constructor(
    script: Script,
    seed: number,
    /** Put CR LF (bytes the framing skips) before about one question in four. */
    separators = true,
    /** Bytes of CR LF put before every question (0: none). */
    padding = 0,
  ) {
    const order = new SeededOrder(seed, script.questions.length);
    this.chunker = new QuestionChunker(questionSet(script), order, {
      padding,
      ...(separators ? { crlfOneIn: 4, seed } : {}),
    });
  }

  /** About `bytes` bytes of whole questions. */
  batch(bytes: number): Buffer {
    return this.chunker.chunk(bytes);
  }

  /** Questions produced so far. */
  get count(): number {
    return this.chunker.questions;
  }
}

/** Checks an answer stream against the answers the seeded questions demand (client-kit's ReplyChecker). */
export class AnswerVerifier {
  private readonly checker: ReplyChecker;
  constructor(script: Script, seed: number) {
    this.checker = new ReplyChecker(script.answers, new SeededOrder(seed, script.questions.length));
  }
  feed(chunk: Buffer): void {
    this.checker.feed(chunk);
  }
  /** Total answers expected (set once the pushing is over). */
  set expected(count: number) {
    this.checker.expectedReplies = count;
  }
  get expected(): number {
    return this.checker.expectedReplies;
  }
  /** Answers that arrived exact. */
  get answers(): number {
    return this.checker.correct;
  }
  get bytes(): number {
    return this.checker.received;
  }
  /** The first discrepancy, if any. */
  get error(): string | undefined {
    return this.checker.describeMismatch();
  }
  get complete(): boolean {
    return this.checker.complete;
  }
}

export { drained, type PushResult, pushUntilStall } from "@bridgekeeper/client-kit";

/** Questions sent in one go and the answers they are owed, as one repeating unit. */
export interface Pattern {
  readonly questions: Buffer;
  readonly answers: Buffer;
  /** The answers one by one, in the unit's order. */
  readonly replies: readonly Buffer[];
}

export function pattern(
  pairs: ReadonlyArray<readonly [question: string, answer: string]>,
  separator = "",
): Pattern {
  const replies = pairs.map(([, a]) => Buffer.from(a, "utf8"));
  return {
    questions: Buffer.from(pairs.map(([q]) => q + separator).join(""), "utf8"),
    answers: Buffer.concat(replies),
    replies,
  };
}

export function repeat(p: Pattern, times: number): Buffer {
  return Buffer.concat(Array.from({ length: times }, () => p.questions));
}

/** Checks arriving bytes against repetitions of one answer unit (client-kit's ReplyChecker), storing none. */
export class StreamChecker {
  ended = false;
  private readonly checker: ReplyChecker;
  private readonly wakeUp = new WakeUp();
  /** Bytes of answers owed in all. */
  readonly expectedTotal: number;

  constructor(owed: Pattern, units: number) {
    this.checker = new ReplyChecker(owed.replies, new CyclicOrder(0, owed.replies.length));
    this.checker.expectedReplies = units * owed.replies.length;
    this.expectedTotal = units * owed.answers.length;
  }

  get received(): number {
    return this.checker.received;
  }

  /** The stream offset of the first byte that was not owed there, if any. */
  get firstMismatch(): number | undefined {
    return this.checker.mismatch?.offset;
  }

  feed(chunk: Buffer): void {
    this.checker.feed(chunk);
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
