// BROKEN on purpose: replies to pipelined questions go out in pairs swapped.
// The one flaw: when several questions arrive in one read, each pair of replies is written in
// reverse order. A lock-step client never notices; a pipelining one gets the right replies in
// the wrong order.
// Must be caught by: ANSWER-2.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class ReordersReplies extends Connection {
  processInput() {
    const write = this.socket.write.bind(this.socket);
    let held;
    this.socket.write = (bytes, callback) => {
      if (held === undefined) {
        held = bytes; // FLAW: the first of each pair waits for the second
        return true;
      }
      const first = held;
      held = undefined;
      write(bytes);
      return write(first, callback);
    };
    try {
      super.processInput();
    } finally {
      this.socket.write = write;
      if (held !== undefined) write(held);
    }
  }
}

main(ReordersReplies);
