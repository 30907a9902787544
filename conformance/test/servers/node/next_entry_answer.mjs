// BROKEN on purpose: answers each table question with the next entry's answer (an off-by-one).
// The one flaw: the table lookup is shifted by one entry, the same way every time (in lock-step
// and pipelined alike). Unknown questions still get "I don't know that.".
// Must be caught by: ANSWER-1 (whatever the case: the diagnosis names ANSWER-1).
// Never run this in production.
import { Connection, main } from "./base.mjs";

class NextEntryAnswer extends Connection {
  answerFor(question) {
    const answers = [...this.table.values()];
    const index = [...this.table.keys()].indexOf(question.toString("latin1"));
    if (index < 0) return super.answerFor(question);
    return answers[(index + 1) % answers.length]; // FLAW: off by one entry
  }
}

main(NextEntryAnswer);
