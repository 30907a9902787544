// BROKEN on purpose: does not skip SP, HT, CR, LF between questions.
// The one flaw: every byte starts or continues a question, so the CR LF a person types after a
// question becomes the start of the next one ("\r\nWhat is your quest?" is not in the table) and
// gets "I don't know that." instead of the answer. Everything else is base.mjs.
// Must be caught by: FRAME-2.
// Never run this in production.
import { Connection, main } from "./base.mjs";

class NoSeparatorSkip extends Connection {
  isSeparator() {
    return false; // FLAW: separators are treated as question bytes
  }
}

main(NoSeparatorSkip);
