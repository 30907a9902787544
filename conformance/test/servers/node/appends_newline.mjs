// BROKEN on purpose: appends "\n" to every reply.
// The one flaw: a reply is written as the table's answer followed by a newline, as a line-based
// server would, so every reply has one byte too many. Everything else is base.mjs.
// Must be caught by: ANSWER-1.
// Never run this in production.
import { Connection, main } from "./base.mjs";

const NEWLINE = Buffer.from("\n");

class AppendsNewline extends Connection {
  answerFor(question) {
    return Buffer.concat([super.answerFor(question), NEWLINE]); // FLAW: one byte added
  }
}

main(AppendsNewline);
