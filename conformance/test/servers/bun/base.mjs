// A small, correct Launcelot server on Bun.listen, the base every broken Bun server in this folder
// subclasses: each of them overrides exactly one method of `Connection` to add its one flaw.
// Run on its own (`bun base.mjs --port P`) it is a correct control. Never run any of these in
// production: they exist to prove the conformance suite.
//
// Bun's socket.write() is unbuffered: it returns how many bytes the kernel took, and the rest is
// ours to keep. So each connection holds its output in a queue, flushes it on 'drain', pauses
// reading while the queue holds more than H bytes (FLOW-2) and resumes at or below H (FLOW-3).
// FIN (allowHalfOpen): answer what is owed, drop an unfinished question, then end (HALF-1/2).
// Too-long question: owed replies, the too-long reply, end, discard input for a moment.
// Idle: a once-a-second sweep closes a connection when no byte arrived and the kernel took no byte
// of its output for I seconds (IDLE-1/2). (Bun's socket.timeout() is not re-armed by calling it
// again, so it cannot express "idle since the last byte".)
// SIGTERM/SIGINT: stop accepting, answer what was received, end every connection, exit 0.
// Descriptors: connections past what the descriptor limit allows are closed at once (Bun's accept
// loop would spin on EMFILE), so running out of descriptors costs no CPU (ROBUST-2).

import { readdirSync, readFileSync } from "node:fs";
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
      idleTimeoutSec: Number(values["idle-timeout"]),
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
    this.queue = []; // held output, in order; queue[0] is partly sent up to `offset`
    this.offset = 0;
    this.held = 0; // bytes in the queue not yet taken by the kernel
    this.paused = false;
    this.finished = false; // FIN received (or shutdown): answer what is owed, then end
    this.closing = false; // the too-long reply is the last thing sent
    this.discarding = false; // input is read and dropped
    this.ended = false; // our FIN is sent (or queued)
    this.fin = false; // the client's FIN arrived
    this.lastActive = performance.now();
    this.lingerDeadline = Number.POSITIVE_INFINITY;
  }

  isSeparator(byte) {
    return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
  }

  answerFor(question) {
    return this.table.get(question.toString("latin1")) ?? UNKNOWN_REPLY;
  }

  overHighWater() {
    return this.held > this.limits.highWater;
  }

  onData(chunk) {
    if (this.discarding || this.ended) return;
    this.lastActive = performance.now();
    this.inbuf = Buffer.concat([this.inbuf, chunk]); // a copy: Bun may reuse `chunk`
    this.processInput();
  }

  /** Frame and answer complete questions while held output is at or below H. */
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
      if (length > this.limits.maxQuestion) {
        this.questionTooLong();
        return;
      }
      if (end < 0) break;
      this.send(this.answerFor(buf.subarray(pos, end + 1)));
      pos = end + 1;
    }
    this.inbuf = buf.subarray(pos);
    this.updateReading();
    if (this.finished && !this.overHighWater() && this.held === 0) this.finish();
  }

  send(bytes) {
    this.queue.push(bytes);
    this.held += bytes.length;
    this.flush();
  }

  /** Write as much of the queue as the kernel takes; keep the rest, in order (FLOW-1). */
  flush() {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const remaining = head.length - this.offset;
      const written = this.socket.write(head, this.offset, remaining);
      if (written < 0) return; // closed or shutting down: the close handler cleans up
      if (written > 0) {
        this.held -= written;
        this.lastActive = performance.now();
      }
      if (written < remaining) {
        this.offset += written;
        return;
      }
      this.queue.shift();
      this.offset = 0;
    }
  }

  /** Reading paused, the rest of the input answered on the next turn. */
  yieldTurn() {
    this.turnPending = true;
    this.updateReading();
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(() => {
      this.turnScheduled = false;
      this.turnPending = false;
      if (this.ended || this.closing) return;
      this.processInput();
    });
  }

  updateReading() {
    const shouldPause = (this.overHighWater() || this.turnPending) && !this.discarding;
    if (shouldPause && !this.paused) this.socket.pause();
    if (!shouldPause && this.paused) this.socket.resume();
    this.paused = shouldPause;
  }

  onDrain() {
    this.flush();
    if (this.closing) {
      if (this.held === 0) this.endWrites();
      return;
    }
    if (!this.turnPending) this.processInput();
  }

  questionTooLong() {
    this.inbuf = Buffer.alloc(0);
    this.closing = true;
    this.discarding = true; // keep reading and dropping, so the close sends FIN, not RST
    this.send(TOO_LONG_REPLY);
    this.updateReading();
    if (this.held === 0) this.endWrites();
  }

  /**
   * Everything owed is written: send FIN. After the client's FIN the socket closes; before it,
   * shutdown() keeps it readable so the input still arriving is drained (a close with unread
   * input would send RST and could destroy replies in flight), until the client's FIN or a
   * lingering deadline.
   */
  endWrites() {
    if (this.ended) return;
    this.ended = true;
    if (this.fin) {
      this.socket.end();
      return;
    }
    this.socket.shutdown();
    this.lingerDeadline = performance.now() + LINGER_MS;
  }

  onEnd() {
    this.fin = true;
    if (this.ended) {
      this.socket.end(); // we had already sent FIN (too-long reply or shutdown): both sides done
      return;
    }
    this.finished = true;
    this.processInput();
  }

  /** Everything owed is written: drop an unfinished question (HALF-2) and end. */
  finish() {
    this.inbuf = Buffer.alloc(0);
    this.endWrites();
  }

  /** Called once a second: close when idle past I, or when the lingering close has waited enough. */
  sweep(now) {
    if (now >= this.lingerDeadline || now - this.lastActive > this.limits.idleTimeoutSec * 1000) {
      this.socket.terminate();
    }
  }

  shutdown() {
    if (this.closing || this.finished) return;
    this.finished = true;
    this.discarding = true;
    this.processInput();
    this.updateReading();
  }
}

/** Descriptors kept free for the runtime (its own files, a socket being accepted). */
const DESCRIPTOR_RESERVE = 16;

/**
 * How many connections fit in the descriptor limit (ROBUST-2). Bun's accept loop retries at once
 * when accept() fails with EMFILE, a busy loop, so this server never lets it fail: past the
 * budget a connection is accepted and closed at once.
 */
function connectionsThatFit() {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = Number(line?.trim().split(/\s+/)[3]);
    const open = readdirSync("/proc/self/fd").length;
    return Number.isFinite(soft) ? Math.max(0, soft - open - DESCRIPTOR_RESERVE) : Number.POSITIVE_INFINITY;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

export function main(ConnectionClass = Connection) {
  const options = parseOptions();
  const descriptorBudget = connectionsThatFit();
  const table = loadTable(options.table);
  const connections = new Set();
  let shuttingDown = false;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: options.port,
    allowHalfOpen: true,
    socket: {
      open(socket) {
        if (
          connections.size >= options.limits.maxConnections ||
          connections.size >= descriptorBudget ||
          shuttingDown
        ) {
          socket.end(); // CONN-2: past the limit, closed at once (FIN, nothing read)
          return;
        }
        socket.setNoDelay?.(true);
        socket.data = new ConnectionClass(socket, table, options.limits);
        connections.add(socket.data);
      },
      data(socket, chunk) {
        socket.data?.onData(chunk);
      },
      drain(socket) {
        socket.data?.onDrain();
      },
      end(socket) {
        socket.data?.onEnd();
      },
      error(socket) {
        socket.terminate();
      },
      close(socket) {
        if (socket.data) connections.delete(socket.data);
        if (shuttingDown && connections.size === 0) process.exit(0);
      },
    },
  });
  setInterval(() => {
    const now = performance.now();
    for (const connection of connections) connection.sweep(now);
  }, SWEEP_MS);
  console.log(`listening on 127.0.0.1:${listener.port}`);
  const shutdown = () => {
    shuttingDown = true;
    listener.stop(false);
    for (const connection of connections) connection.shutdown();
    if (connections.size === 0) process.exit(0);
    setTimeout(() => process.exit(0), SHUTDOWN_MS).unref();
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
