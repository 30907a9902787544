// A small, correct Launcelot server on node:net, the base every broken Node server in this folder
// subclasses: each of them overrides exactly one method of `Connection` to add its one flaw.
// Run on its own (`node base.mjs --port P`) it is a correct control. Never run any of these in
// production: they exist to prove the conformance suite.
//
// Per connection: unframed input, replies written in order, reading paused while the socket holds
// more than H bytes of output (FLOW-2) and resumed on 'drain' (FLOW-3); FIN answers what is owed
// then ends (HALF-1/2); too-long question: owed replies, the too-long reply, end, drain input for
// a moment (LIMIT-QUESTION-2); a once-a-second sweep closes a connection when no byte arrived and
// no write completed for I seconds, so a client not reading while replies wait is idle too
// (IDLE-1/2); 'error' destroys only that socket (RESET-1).
// SIGTERM/SIGINT: stop accepting, answer what was received, end every connection, exit 0.

import { readFileSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const UNKNOWN_REPLY = Buffer.from("I don't know that.");
export const TOO_LONG_REPLY = Buffer.from("Your question is too long.");
const QUESTION_END = 0x3f;
const LINGER_MS = 2000;
const SWEEP_MS = 1000;
const SHUTDOWN_MS = 10_000;
// Questions answered per turn of the event loop before the others' turn (FAIR-1): a client whose
// thousands of pipelined questions the kernel takes as fast as they are answered must not
// hold the loop for seconds.
const QUESTIONS_PER_TURN = 4096;
const DEFAULT_TABLE = fileURLToPath(new URL("../../../../fixtures/tables/canonical.json", import.meta.url));

export function parseOptions(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "1060" },
      table: { type: "string", default: DEFAULT_TABLE },
      "max-question": { type: "string", default: "4096" },
      "high-water": { type: "string", default: String(256 * 1024) },
      "idle-timeout": { type: "string", default: "60" },
      "max-connections": { type: "string", default: "10000" },
    },
  });
  return {
    port: Number(values.port),
    table: values.table,
    limits: {
      maxQuestion: Number(values["max-question"]),
      highWater: Number(values["high-water"]),
      idleTimeoutMs: Number(values["idle-timeout"]) * 1000,
      maxConnections: Number(values["max-connections"]),
    },
  };
}

/** The table as a Map from the question's bytes (as a latin1 string: one char per byte) to the answer's bytes. */
export function loadTable(path) {
  const document = JSON.parse(readFileSync(path, "utf8"));
  const table = new Map();
  for (const entry of document.entries) {
    table.set(Buffer.from(entry.question, "utf8").toString("latin1"), Buffer.from(entry.answer, "utf8"));
  }
  return table;
}

export class Connection {
  constructor(socket, table, limits) {
    this.socket = socket;
    this.table = table;
    this.limits = limits;
    this.inbuf = Buffer.alloc(0); // received, not yet framed
    this.finished = false; // FIN received (or shutdown): answer what is owed, then end
    this.closing = false; // the too-long reply was the last thing sent
    this.discarding = false; // input is read and dropped (after the too-long reply, or shutdown)
    this.readBeforeShutdown = 0; // bytes Node had buffered when shutdown began: still answered
    this.lastActive = performance.now();
    this.lingerDeadline = Number.POSITIVE_INFINITY;
    this.touch = () => {
      this.lastActive = performance.now();
    };
    socket.setNoDelay(true);
    this.watchErrors();
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("end", () => this.onEnd());
    socket.on("drain", () => this.onDrain());
  }

  watchErrors() {
    this.socket.on("error", () => this.socket.destroy());
  }

  isSeparator(byte) {
    return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
  }

  maxQuestion() {
    return this.limits.maxQuestion;
  }

  answerFor(question) {
    return this.table.get(question.toString("latin1")) ?? UNKNOWN_REPLY;
  }

  overHighWater() {
    return this.socket.writableLength > this.limits.highWater;
  }

  onData(chunk) {
    if (this.discarding) {
      // At shutdown, what this process had already read (Node's buffer) is still answered.
      if (this.readBeforeShutdown <= 0) return;
      chunk = chunk.subarray(0, this.readBeforeShutdown);
      this.readBeforeShutdown -= chunk.length;
    }
    this.touch();
    this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    this.processInput();
  }

  /** Frame and answer complete questions while held output is at or below H; pause above it. */
  processInput() {
    const buf = this.inbuf;
    let pos = 0;
    let answered = 0;
    while (!this.closing && !this.overHighWater()) {
      if (answered++ === QUESTIONS_PER_TURN) {
        this.inbuf = buf.subarray(pos);
        this.yieldTurn();
        return;
      }
      while (pos < buf.length && this.isSeparator(buf[pos])) pos++;
      if (pos === buf.length) break;
      const end = buf.indexOf(QUESTION_END, pos);
      const length = end < 0 ? buf.length - pos : end + 1 - pos;
      if (length > this.maxQuestion()) {
        this.questionTooLong();
        return;
      }
      if (end < 0) break;
      this.socket.write(this.answerFor(buf.subarray(pos, end + 1)), this.touch);
      pos = end + 1;
    }
    this.inbuf = buf.subarray(pos);
    if (this.overHighWater()) this.socket.pause();
    else if (this.finished) this.finish();
  }

  /** Reading paused, the rest of the input answered on the next turn. */
  yieldTurn() {
    this.socket.pause();
    if (this.turnPending) return;
    this.turnPending = true;
    setImmediate(() => {
      this.turnPending = false;
      if (this.socket.destroyed || this.closing) return;
      this.processInput();
      if (!this.turnPending && !this.overHighWater() && !this.finished) this.socket.resume();
    });
  }

  questionTooLong() {
    this.inbuf = Buffer.alloc(0);
    this.closing = true;
    this.discarding = true;
    this.socket.end(TOO_LONG_REPLY, this.touch);
    this.socket.resume(); // keep reading (and discarding) so close() sends FIN, not RST
    this.lingerDeadline = performance.now() + LINGER_MS;
  }

  onDrain() {
    if (this.closing || this.turnPending) return;
    this.processInput();
    if (!this.turnPending && !this.overHighWater() && !this.finished) this.socket.resume();
  }

  onEnd() {
    this.finished = true;
    this.processInput();
  }

  /** Everything owed is written: drop an unfinished question (HALF-2) and end. */
  finish() {
    this.inbuf = Buffer.alloc(0);
    if (!this.socket.writableEnded) this.socket.end();
  }

  shutdown() {
    if (this.closing || this.finished) return;
    this.finished = true;
    this.discarding = true; // input not yet read is not "received": drop it
    this.readBeforeShutdown = this.socket.readableLength;
    this.lingerDeadline = performance.now() + LINGER_MS;
    this.processInput();
    this.socket.resume();
  }

  /** Called once a second: close when idle past I, or when the lingering close has waited enough. */
  sweep(now) {
    // A lingering close waits for the owed replies to be written (a slow reader at shutdown).
    const lingered = now >= this.lingerDeadline && this.socket.writableLength === 0;
    if (lingered || now - this.lastActive > this.limits.idleTimeoutMs) this.socket.destroy();
  }
}

export function main(ConnectionClass = Connection) {
  const options = parseOptions();
  const table = loadTable(options.table);
  const connections = new Set();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const connection = new ConnectionClass(socket, table, options.limits);
    connections.add(connection);
    socket.on("close", () => connections.delete(connection));
  });
  server.maxConnections = options.limits.maxConnections;
  setInterval(() => {
    const now = performance.now();
    for (const connection of connections) connection.sweep(now);
  }, SWEEP_MS);
  server.listen(options.port, "127.0.0.1", () => {
    console.log(`listening on 127.0.0.1:${server.address().port}`);
  });
  const shutdown = () => {
    server.close(() => process.exit(0));
    for (const connection of connections) connection.shutdown();
    setTimeout(() => process.exit(0), SHUTDOWN_MS).unref();
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
