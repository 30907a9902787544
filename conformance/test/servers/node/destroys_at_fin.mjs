// BROKEN on purpose: destroys the socket on the client's FIN.
// The one flaw: `socket.destroy()` in 'end', so every reply still held (in Node's write buffer
// behind a client that was not reading, or queued behind the high-water mark) is thrown away.
// With a client that reads as it goes, replies already taken by the kernel still arrive.
// Must be caught by: HALF-1.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class DestroysAtFin extends Connection {
  onEnd() {
    this.socket.destroy(); // FLAW: owed replies are dropped
  }
}

main(DestroysAtFin);
