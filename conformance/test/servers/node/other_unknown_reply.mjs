// BROKEN on purpose: its reply to an unknown question is another text.
// The one flaw: "I do not know." instead of "I don't know that." (18 bytes). Everything else is
// base.mjs: framing, pipelining, flow control, half-close and limits are correct, so only the
// cases about unknown questions should fail, and every other case should still judge its own rule
// (taking "I do not know." as this server's consistent unknown reply).
// Must be caught by: UNKNOWN-1.
// Never run this in production.
import { Connection, main } from "./base.mjs";

const OTHER_UNKNOWN_REPLY = Buffer.from("I do not know.");

class OtherUnknownReply extends Connection {
  answerFor(question) {
    return this.table.get(question.toString("latin1")) ?? OTHER_UNKNOWN_REPLY; // FLAW
  }
}

main(OtherUnknownReply);
