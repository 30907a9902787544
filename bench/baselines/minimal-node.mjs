// The Node floor for Launcelot: framing (FRAME-1/2) and table lookup, nothing else. Correct under
// pipelining (answers of one read leave in one write, in order) and partial writes (node's socket
// keeps what the kernel did not take; reading pauses until 'drain'). No limits, no idle timers.
// Usage: node minimal-node.mjs [--host H] [--port P] [--table FILE]; prints `listening on H:P`.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
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
  process.stderr.write(`minimal-node: ${message}\n`);
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

const options = parseArgs(process.argv.slice(2));
const answers = loadAnswers(options.table);

const server = createServer((socket) => {
  /** The unfinished question carried over from earlier reads (no limit on its length). */
  let pending = null;
  socket.on("data", (chunk) => {
    const bytes = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    let first = null;
    let more = null;
    let i = 0;
    const end = bytes.length;
    while (i < end) {
      while (i < end && isSeparator(bytes[i])) i++;
      if (i === end) break;
      const mark = bytes.indexOf(QUESTION_END, i);
      if (mark < 0) {
        pending = Buffer.from(bytes.subarray(i));
        break;
      }
      const answer = answers.get(bytes.toString("latin1", i, mark + 1)) ?? UNKNOWN;
      if (first === null) first = answer;
      else if (more === null) more = [first, answer];
      else more.push(answer);
      i = mark + 1;
    }
    if (first === null) return;
    const flushed = socket.write(more === null ? first : Buffer.concat(more));
    if (!flushed) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  socket.on("error", () => socket.destroy());
});

server.on("error", (error) => fail(`cannot listen: ${error.code ?? error.message}`));
server.listen(options.port, options.host, () => {
  const address = server.address();
  process.stdout.write(`listening on ${address.address}:${address.port}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => process.exit(0));
}
