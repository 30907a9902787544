// BROKEN on purpose: an unknown question throws, and the connection is dropped.
// The one flaw: the table lookup throws for a question that is not in the table; Bun catches the
// exception in the socket's error handler, which closes the connection. The server survives, but
// the client never gets "I don't know that." and loses the connection with every later question.
// Everything else is base.mjs. Must be caught by: UNKNOWN-1 (also UNKNOWN-2).
// Never run this in production.
import { Connection, main } from "./base.mjs";

class UnknownThrows extends Connection {
  answerFor(question) {
    const answer = this.table.get(question.toString("latin1"));
    if (answer === undefined) throw new Error("unknown question"); // FLAW: no unknown reply
    return answer;
  }
}

main(UnknownThrows);
