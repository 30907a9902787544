// BROKEN on purpose: never stops reading from a client that does not read its replies.
// The one flaw: the return value of socket.write() (and writableLength) is ignored, so the server
// never pauses the socket: Node buffers every reply in memory while the client pipelines questions
// without reading. No byte is lost (Node keeps the whole backlog), but the client's writes never
// stall and the server's memory grows with every byte pushed. Everything else is base.mjs.
// Must be caught by: FLOW-2 (also RESOURCE-3).
// Never run this in production.
import { Connection, main } from "./base.mjs";

class IgnoresBackpressure extends Connection {
  overHighWater() {
    return false; // FLAW: held output is never compared with H
  }
}

main(IgnoresBackpressure);
