// BROKEN on purpose: keeps a few hundred bytes for every connection it has ever served.
// The one flaw: a per-connection record (its address, a 512-byte scratch buffer) goes into a
// process-wide list when the connection opens and is never removed, so memory grows with every
// client that comes and goes. Every conversation is correct; descriptors are released.
// Must be caught by: the memory-across-churn rule (RESOURCE-4).
// Never run this in production.
import { Connection, main } from "./base.mjs";

const everyConnectionEver = [];

class LeaksPerConnection extends Connection {
  constructor(socket, table, limits) {
    super(socket, table, limits);
    // FLAW: never released
    everyConnectionEver.push({
      peer: `${socket.remoteAddress}:${socket.remotePort}`,
      scratch: Buffer.alloc(512, 1),
    });
  }
}

main(LeaksPerConnection);
