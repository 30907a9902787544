/**
 * The good clients: a few connections in lock-step, each asking a table question (or an unknown
 * one) at most every ASK_EVERY_MS, checking the reply byte for byte and recording the round trip
 * in an HDR histogram. They
 * run beside an attack and say whether the server went on serving the well-behaved (FAIR-1) and
 * how long they waited. A connection the server closes or resets is counted and opened again.
 */

import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { latencyPercentiles, newLatencyHistogram } from "@bridgekeeper/bench";
import type { AnswerBook } from "@bridgekeeper/conformance";

const UNKNOWN_QUESTION = Buffer.from("What is the airspeed velocity of an unladen swallow?");
const RECONNECT_PAUSE_MS = 100;
/** Each good client asks at most one question per this many milliseconds: a light load beside the attack. */
const ASK_EVERY_MS = 10;
/** A reply not complete within this long counts as an error (the connection is opened again). */
const REPLY_TIMEOUT_MS = 10_000;

export interface ProbeFigures {
  readonly answers: number;
  readonly wrong: number;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export class GoodClients {
  private readonly histogram = newLatencyHistogram();
  private answers = 0;
  private wrong = 0;
  private errors = 0;
  private stopped = false;
  private readonly sockets = new Set<Socket>();
  private readonly loops: Promise<void>[] = [];
  private seed = 0x2545f491;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly book: AnswerBook,
  ) {}

  /** Opens `connections` connections and starts asking; resolves once all are connected. */
  async start(connections: number): Promise<void> {
    const opened = await Promise.all(Array.from({ length: connections }, () => this.open()));
    for (const socket of opened) this.loops.push(this.run(socket));
  }

  /** Figures since the start or the last reset. */
  figures(): ProbeFigures {
    const p = latencyPercentiles(this.histogram);
    return {
      answers: this.answers,
      wrong: this.wrong,
      errors: this.errors,
      p50Ms: p.p50Ms,
      p99Ms: p.p99Ms,
      maxMs: this.histogram.totalCount === 0 ? Number.NaN : this.histogram.maxValue / 1000,
    };
  }

  /** Starts the figures over (after a warm-up). */
  reset(): void {
    this.histogram.reset();
    this.answers = 0;
    this.wrong = 0;
    this.errors = 0;
  }

  async stop(): Promise<ProbeFigures> {
    this.stopped = true;
    for (const socket of this.sockets) socket.destroy();
    await Promise.all(this.loops);
    const figures = this.figures();
    this.histogram.destroy();
    return figures;
  }

  private nextQuestion(): Buffer {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    const questions = this.book.questions;
    const index = this.seed % (questions.length + 1);
    return index === questions.length ? UNKNOWN_QUESTION : (questions[index] as Buffer);
  }

  private open(): Promise<Socket | undefined> {
    return new Promise((resolve) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true });
      socket.once("connect", () => {
        this.sockets.add(socket);
        resolve(socket);
      });
      socket.on("error", () => resolve(undefined)); // also keeps a later reset from being uncaught
      socket.once("close", () => this.sockets.delete(socket));
    });
  }

  /** One connection's loop: ask, check, record; a failed connect or reply is counted, then it connects again. */
  private async run(first: Socket | undefined): Promise<void> {
    let socket = first;
    if (socket === undefined) this.errors++;
    while (!this.stopped) {
      if (socket === undefined || socket.destroyed) {
        await sleep(RECONNECT_PAUSE_MS);
        if (this.stopped) return;
        socket = await this.open();
        if (socket === undefined) this.errors++;
        continue;
      }
      const question = this.nextQuestion();
      const expected = this.book.replyTo(question);
      const started = process.hrtime.bigint();
      const reply = await askOnce(socket, question, expected.length);
      if (this.stopped) return;
      if (reply === undefined) {
        this.errors++;
        socket.destroy();
        continue;
      }
      const micros = Number((process.hrtime.bigint() - started) / 1000n);
      this.histogram.recordValue(Math.max(1, micros));
      if (reply.equals(expected)) {
        this.answers++;
      } else {
        this.wrong++;
        socket.destroy();
      }
      if (micros < ASK_EVERY_MS * 1000) await sleep(ASK_EVERY_MS - micros / 1000);
    }
  }
}

/** Writes one question and collects `length` bytes; undefined on close, error or timeout. */
function askOnce(socket: Socket, question: Buffer, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (value: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onGone);
      socket.off("error", onGone);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= length) done(Buffer.concat(chunks, size));
    };
    const onGone = (): void => done(undefined);
    const timer = setTimeout(onGone, REPLY_TIMEOUT_MS);
    socket.on("data", onData);
    socket.once("close", onGone);
    socket.once("error", onGone);
    socket.write(question);
  });
}
