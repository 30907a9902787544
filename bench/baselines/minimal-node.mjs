// The Node floor for Launcelot: framing (FRAME-1/2) and table lookup, nothing else. Correct under
// pipelining (answers of one read leave in one write, in order) and partial writes (node's socket
// keeps what the kernel did not take; reading pauses until 'drain'). No limits, no idle timers.
// Usage: node minimal-node.mjs [--host H] [--port P] [--table FILE]; prints `listening on H:P`.
import { createServer } from "node:net";
import { answerChunk, loadTable, parseArgs } from "./minimal-common.mjs";

const options = parseArgs("minimal-node", process.argv.slice(2));
const answerFor = loadTable(options.table);

const server = createServer((socket) => {
  /** The unfinished question carried over from earlier reads (no limit on its length). */
  let pending = null;
  socket.on("data", (chunk) => {
    const { reply, rest } = answerChunk(answerFor, pending, chunk);
    pending = rest;
    if (reply !== null && !socket.write(reply)) socket.pause();
  });
  socket.on("drain", () => socket.resume());
  socket.on("error", () => socket.destroy());
});

server.on("error", (error) => {
  process.stderr.write(`minimal-node: cannot listen: ${error.code ?? error.message}\n`);
  process.exit(2);
});
server.listen(options.port, options.host, () => {
  const address = server.address();
  process.stdout.write(`listening on ${address.address}:${address.port}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.once(signal, () => process.exit(0));
}
