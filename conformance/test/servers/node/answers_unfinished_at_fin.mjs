// BROKEN on purpose: answers the unfinished question left at the client's FIN.
// The one flaw: when the client half-closes, whatever bytes of a question are still pending (no
// '?' yet) are "flushed" as if they were a complete question, so the client gets an extra
// "I don't know that." Everything else is base.mjs.
// Must be caught by: HALF-2.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class AnswersUnfinishedAtFin extends Connection {
  finish() {
    let start = 0;
    while (start < this.inbuf.length && this.isSeparator(this.inbuf[start])) start++;
    const unfinished = this.inbuf.subarray(start);
    if (unfinished.length > 0 && !this.socket.writableEnded) {
      this.socket.write(this.answerFor(unfinished)); // FLAW: an unfinished question gets a reply
    }
    super.finish();
  }
}

main(AnswersUnfinishedAtFin);
