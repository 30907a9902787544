// BROKEN on purpose: closes connections after two seconds of idleness.
// The one flaw: the idle sweep uses a hard-coded 2 s instead of the idle timeout I (which the spec
// puts at 10 s or more; the --idle-timeout flag is accepted and ignored), so a client that pauses
// for a few seconds between questions finds its connection closed. Everything else is base.mjs.
// Must be caught by: IDLE-1 (declare the idle timeout the command line sets, 10 s).
// Never run this in production.
import { Connection, main } from "./base.mjs";

const IDLE_MS = 2000; // FLAW: should be this.limits.idleTimeoutSec * 1000

class IdleTwoSeconds extends Connection {
  sweep(now) {
    if (now >= this.lingerDeadline || now - this.lastActive > IDLE_MS) this.socket.terminate();
  }
}

main(IdleTwoSeconds);
