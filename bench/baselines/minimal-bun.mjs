// The Bun floor for Launcelot: framing (FRAME-1/2) and table lookup, nothing else, on Bun.listen.
// Correct under pipelining (answers of one read leave in one write, in order) and partial writes
// (socket.write returns how much the kernel took; the rest is kept and sent on 'drain', and later
// answers queue behind it; kept bytes are always copied out of the shared reply scratch). No limits,
// no idle timers.
// Usage: bun minimal-bun.mjs [--host H] [--port P] [--table FILE]; prints `listening on H:P`.
import { answerChunk, loadTable, parseArgs } from "./minimal-common.mjs";

const options = parseArgs("minimal-bun", process.argv.slice(2));
const answerFor = loadTable(options.table);
/** Replies of one read are assembled here: Bun's write copies to the kernel at once or not at all. */
const scratch = new Uint8Array(64 * 1024);

/** Writes what the kernel takes; keeps the rest in state.unsent for 'drain'. */
function send(socket, state, bytes) {
  if (state.unsent !== null) {
    state.unsent = Buffer.concat([state.unsent, bytes]);
    return;
  }
  const written = socket.write(bytes);
  if (written < bytes.length) state.unsent = Buffer.from(bytes.subarray(Math.max(written, 0)));
}

const server = Bun.listen({
  hostname: options.host,
  port: options.port,
  socket: {
    binaryType: "uint8array",
    open(socket) {
      socket.data = { pending: null, unsent: null };
    },
    data(socket, chunk) {
      const state = socket.data;
      const { reply, rest } = answerChunk(answerFor, state.pending, chunk, scratch);
      state.pending = rest;
      if (reply !== null) send(socket, state, reply);
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
