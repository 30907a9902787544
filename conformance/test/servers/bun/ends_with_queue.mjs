// BROKEN on purpose: ends the socket on the client's FIN without flushing what it holds.
// The one flaw: at FIN, Bun's `end()` is called while replies are still queued in the server (the
// kernel refused part of them, or they wait behind the high-water mark): end() does not write
// them, so they are lost. A client that read everything before its FIN never notices.
// Must be caught by: HALF-1.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class EndsWithQueue extends Connection {
  onEnd() {
    this.fin = true;
    this.processInput();
    this.ended = true;
    this.socket.end(); // FLAW: the queue of unwritten output (and unframed input) is dropped
  }
}

main(EndsWithQueue);
