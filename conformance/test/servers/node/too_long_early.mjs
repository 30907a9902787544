// BROKEN on purpose: acts on a question of half its declared limit.
// The one flaw: the question limit in force is Q / 2, so a question longer than Q / 2 (but within
// the Q it declares, and within the spec's floor of 1024 when Q = 2048) gets the too-long reply.
// Run it with --max-question 2048 and declare --max-question 2048 to the suite.
// Must be caught by: LIMIT-QUESTION-1 (a question within the limit was refused).
// Never run this in production.
import { Connection, main } from "./base.mjs";

class TooLongEarly extends Connection {
  maxQuestion() {
    return Math.floor(this.limits.maxQuestion / 2); // FLAW
  }
}

main(TooLongEarly);
