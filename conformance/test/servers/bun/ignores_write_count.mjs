// BROKEN on purpose: takes a short socket.write() as a complete one.
// The one flaw: Bun's socket.write() is unbuffered and returns how many bytes the kernel took.
// This server keeps a reply queued when write() takes nothing (so it still waits for 'drain' and
// still stops reading past the high-water mark), but when write() takes only part of a reply it
// ignores the count and drops the rest, as if everything had gone out. A client that reads slowly
// gets replies with their tails missing. Lock-step clients never notice.
// Everything else is base.mjs. Must be caught by: FLOW-1.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class IgnoresWriteCount extends Connection {
  flush() {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const written = this.socket.write(head);
      if (written <= 0) return; // nothing taken (or closed): keep the reply until 'drain'
      this.queue.shift(); // FLAW: a short write is taken as complete; the rest of the reply is lost
      this.held -= head.length;
      this.lastActive = performance.now();
    }
  }
}

main(IgnoresWriteCount);
