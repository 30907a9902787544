// BROKEN on purpose: no 'error' listener on client sockets.
// The one flaw: when a client resets its connection (RST), Node emits 'error' (ECONNRESET) on that
// socket; with no listener it becomes an uncaught exception and the whole process dies, taking
// every other client with it. Everything else is base.mjs.
// Must be caught by: RESET-1 (also ROBUST-1).
// Never run this in production.
import { Connection, main } from "./base.mjs";

class UnhandledReset extends Connection {
  watchErrors() {
    // FLAW: nothing listens for 'error'
  }
}

main(UnhandledReset);
