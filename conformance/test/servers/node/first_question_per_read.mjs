// BROKEN on purpose: answers only the first question of each read and drops the rest of the read.
// The one flaw: after the first '?' of a chunk, the bytes that follow in the same chunk are
// thrown away (the seed's `requests.pop(sock)` after a '?'). Lock-step clients never notice.
// Must be caught by: FRAME-1 or ANSWER-2 (pipelined questions lost).
// Never run this in production.
import { Connection, main } from "./base.mjs";

class FirstQuestionPerRead extends Connection {
  onData(chunk) {
    const mark = chunk.indexOf(0x3f);
    super.onData(mark < 0 ? chunk : chunk.subarray(0, mark + 1)); // FLAW: the rest of the read is lost
  }
}

main(FirstQuestionPerRead);
