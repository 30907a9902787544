// BROKEN on purpose: no question length limit.
// The one flaw: an unfinished question is buffered for ever, however long it grows: no
// "Your question is too long.", no close, and memory grows with every byte the client sends
// without a '?'. Everything else is base.mjs. Must be caught by: LIMIT-QUESTION-2.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class NoLengthLimit extends Connection {
  maxQuestion() {
    return Number.POSITIVE_INFINITY; // FLAW: no limit
  }
}

main(NoLengthLimit);
