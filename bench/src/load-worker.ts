/**
 * A load generator worker thread: opens its share of the connections, keeps `pipeline` questions
 * outstanding on each (1 = lock-step), checks every answer byte for byte as it arrives, and records
 * round trips while the window is open. Lean on purpose: questions are views of one preallocated
 * tape, send times live in one Float64Array slot per outstanding question, and an answer costs a
 * byte scan and a histogram increment.
 */

import { connect, type Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { CyclicOrder, ReplyChecker } from "@bridgekeeper/client-kit";
import { encodeLatencies, newLatencyHistogram } from "./latency.js";
import type { LoadCommand, LoadEvent, LoadWorkerConfig } from "./load-protocol.js";
import { QuestionTape } from "./question-tape.js";

interface Connection {
  readonly socket: Socket;
  readonly stream: ReplyChecker;
  /** Sequence number of this connection's first question (which question of the cycle it asks). */
  readonly base: number;
  /** When question s was written: sendTimes[s % pipeline], in performance.now() milliseconds. */
  readonly sendTimes: Float64Array;
  sent: number;
  received: number;
}

const port = parentPort;
if (port === null) throw new Error("load-worker.js runs only as a worker thread");
const config = workerData as LoadWorkerConfig;
const depth = config.pipeline;
const tape = new QuestionTape(config.questions, depth);
const histogram = newLatencyHistogram();
const connections: Connection[] = [];

let running = false;
let measuring = false;
let stopped = false;
let windowAnswers = 0;
let windowWrong = 0;
let errors = 0;
let firstError: string | null = null;

function noteError(text: string): void {
  if (firstError === null) firstError = text;
}

function onAnswers(connection: Connection, chunk: Uint8Array, length: number): void {
  if (stopped) return;
  const stream = connection.stream;
  const wrongBefore = stream.wrong;
  const ended = stream.feed(chunk, 0, length);
  if (ended === 0) return;
  const outstanding = connection.sent - connection.received;
  const count = Math.min(ended, outstanding);
  const now = performance.now();
  if (measuring) {
    // Replies beyond the questions asked are wrong too (ANSWER-1: exactly one reply per question).
    windowWrong += stream.wrong - wrongBefore + (ended - count);
    windowAnswers += count;
    const times = connection.sendTimes;
    for (let j = 0; j < count; j++) {
      const micros = Math.round((now - (times[(connection.received + j) % depth] as number)) * 1000);
      histogram.recordValue(Math.max(micros, 1));
    }
  }
  connection.received += count;
  if (running && count > 0) send(connection, count, now);
}

function send(connection: Connection, count: number, now: number): void {
  connection.socket.write(tape.run(connection.base + connection.sent, count));
  const times = connection.sendTimes;
  for (let j = 0; j < count; j++) times[(connection.sent + j) % depth] = now;
  connection.sent += count;
}

/** One receive buffer for every connection of this worker: reads land here, no allocation per read. */
const receiveBuffer = Buffer.allocUnsafe(64 * 1024);

function open(index: number): Promise<Connection | string> {
  return new Promise((resolve) => {
    let connection: Connection | undefined;
    const socket = connect({
      host: config.host,
      port: config.port,
      onread: {
        buffer: receiveBuffer,
        callback: (length: number, buffer: Uint8Array): boolean => {
          if (connection !== undefined) onAnswers(connection, buffer, length);
          return true;
        },
      },
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("connect timeout");
    }, config.connectTimeoutMs);
    const base = config.firstConnection + index;
    connection = {
      socket,
      stream: new ReplyChecker(config.answers, new CyclicOrder(base, config.answers.length)),
      base,
      sendTimes: new Float64Array(depth),
      sent: 0,
      received: 0,
    };
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      socket.on("close", () => {
        if (!stopped) {
          errors++;
          noteError("connection closed by the server during the run");
        }
      });
      resolve(connection);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      noteError(error.code ?? error.message);
      resolve(error.code ?? error.message);
    });
  });
}

async function connectAll(): Promise<void> {
  let failed = 0;
  for (let start = 0; start < config.connections; start += config.connectBatch) {
    const count = Math.min(config.connectBatch, config.connections - start);
    const batch = await Promise.all(Array.from({ length: count }, (_, i) => open(start + i)));
    for (const result of batch) {
      if (typeof result === "string") failed++;
      else connections.push(result);
    }
  }
  const ready: LoadEvent = { type: "ready", connected: connections.length, failed, firstError };
  port?.postMessage(ready);
}

port.on("message", (command: LoadCommand) => {
  if (command.type === "run") {
    running = true;
    const now = performance.now();
    for (const connection of connections) send(connection, depth, now);
  } else if (command.type === "measure") {
    histogram.reset();
    windowAnswers = 0;
    windowWrong = 0;
    measuring = true;
  } else if (command.type === "stop") {
    measuring = false;
    running = false;
    stopped = true;
    const report: LoadEvent = {
      type: "report",
      report: {
        answers: windowAnswers,
        wrong: windowWrong,
        errors,
        firstError,
        latencies: encodeLatencies(histogram),
      },
    };
    port.postMessage(report);
  } else if (command.type === "close") {
    stopped = true;
    for (const connection of connections) connection.socket.destroy();
    port.close();
  }
});

void connectAll();
