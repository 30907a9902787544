// The Bun floor for Launcelot: framing (FRAME-1/2) and table lookup, nothing else, on Bun.listen.
// Correct under pipelining (answers of one read leave in one write, in order) and partial writes
// (socket.write returns how much the kernel took; the rest is kept and sent on 'drain', and later
// answers queue behind it). No limits, no idle timers.
// Usage: bun minimal-bun.mjs [--host H] [--port P] [--table FILE]; prints `listening on H:P`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const QUESTION_END = 0x3f;
const UNKNOWN = Buffer.from("I don't know that.", "latin1");

function parseArgs(argv) {
  const options = {
    host: "127.0.0.1",
    port: 0,
    table: fileURLToPath(new URL("../../fixtures/tables/canonical.json", import.meta.url)),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === "--host") options.host = value;
    else if (flag === "--port") options.port = Number(value);
    else if (flag === "--table") options.table = value;
    else fail(`unknown flag ${flag}`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    fail("--port must be 0..65535");
  return options;
}

function fail(message) {
  process.stderr.write(`minimal-bun: ${message}\n`);
  process.exit(2);
}

/** Question bytes as a latin1 string (one char per byte) -> answer bytes. */
function loadAnswers(path) {
  const document = JSON.parse(readFileSync(path, "utf8"));
  const answers = new Map();
  for (const entry of document.entries) {
    answers.set(Buffer.from(entry.question, "utf8").toString("latin1"), Buffer.from(entry.answer, "utf8"));
  }
  return answers;
}

function isSeparator(byte) {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Writes what the kernel takes; keeps the rest in state.unsent for 'drain'. */
function send(socket, state, bytes) {
  if (state.unsent !== null) {
    state.unsent = Buffer.concat([state.unsent, bytes]);
    return;
  }
  const written = socket.write(bytes);
  if (written < bytes.length) state.unsent = Buffer.from(bytes.subarray(Math.max(written, 0)));
}

const options = parseArgs(process.argv.slice(2));
const answers = loadAnswers(options.table);

const server = Bun.listen({
  hostname: options.host,
  port: options.port,
  socket: {
    open(socket) {
      socket.data = { pending: null, unsent: null };
    },
    data(socket, chunk) {
      const state = socket.data;
      const bytes = state.pending === null ? chunk : Buffer.concat([state.pending, chunk]);
      state.pending = null;
      let first = null;
      let more = null;
      let i = 0;
      const end = bytes.length;
      while (i < end) {
        while (i < end && isSeparator(bytes[i])) i++;
        if (i === end) break;
        const mark = bytes.indexOf(QUESTION_END, i);
        if (mark < 0) {
          state.pending = Buffer.from(bytes.subarray(i));
          break;
        }
        const answer = answers.get(bytes.toString("latin1", i, mark + 1)) ?? UNKNOWN;
        if (first === null) first = answer;
        else if (more === null) more = [first, answer];
        else more.push(answer);
        i = mark + 1;
      }
      if (first !== null) send(socket, state, more === null ? first : Buffer.concat(more));
    },
    drain(socket) {
      const state = socket.data;
      const unsent = state.unsent;
      if (unsent === null) return;
      state.unsent = null;
      const written = socket.write(unsent);
      if (written < unsent.length) state.unsent = unsent.subarray(Math.max(written, 0));
    },
    error() {},
    close() {},
  },
});

process.stdout.write(`listening on ${server.hostname}:${server.port}\n`);
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => {
    server.stop(true);
    process.exit(0);
  });
}
