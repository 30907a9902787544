// BROKEN on purpose: assumes a question arrives in one read.
// The one flaw: each 'data' chunk is framed on its own and whatever is left of an unfinished
// question is forgotten when the next chunk arrives, so a question split over two reads loses its
// first part and the rest is answered "I don't know that." Whole questions in one write work.
// Everything else is base.mjs. Must be caught by: FRAME-4.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class OneReadQuestion extends Connection {
  onData(chunk) {
    if (this.discarding || this.ended) return;
    this.lastActive = performance.now();
    this.inbuf = Buffer.from(chunk); // FLAW: the bytes left from the previous read are dropped
    this.processInput();
  }
}

main(OneReadQuestion);
