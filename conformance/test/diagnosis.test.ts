/** The diagnosis names the fault that explains exactly what came back, or nothing. */
import { describe, expect, it } from "vitest";
import { type Conversation, diagnose } from "../src/diagnosis.js";
import { AnswerBook, TOO_LONG_REPLY } from "../src/model.js";

const enc = (text: string): Buffer => Buffer.from(text, "latin1");
const book = new AnswerBook({
  name: "canonical",
  entries: [
    { question: enc("What is your name?"), answer: enc("My name is Sir Lancelot of Camelot.") },
    { question: enc("What is your quest?"), answer: enc("To seek the Holy Grail.") },
    { question: enc("What is your favorite color?"), answer: enc("Blue.") },
    { question: Buffer.from("What is the air-speed velocity of an unladen 🐦?"), answer: Buffer.from("🐦.") },
    { question: enc("Quelle est votre couleur pr\xe9f\xe9r\xe9e?"), answer: enc("Bleu.") },
  ],
});
const NAME = "My name is Sir Lancelot of Camelot.";
const QUEST = "To seek the Holy Grail.";
const UNKNOWN = "I don't know that.";

function conversation(writes: string[], received: string, extra: Partial<Conversation> = {}): Conversation {
  return {
    writes: writes.map(enc),
    finSent: false,
    received: enc(received),
    serverEnded: false,
    book,
    maxQuestion: 4096,
    ...extra,
  };
}

function named(c: Conversation): string | undefined {
  const d = diagnose(c);
  return d ? `${d.rule} ${d.id}` : undefined;
}

describe("diagnose", () => {
  it("says nothing when the replies are right, or when no fault explains them", () => {
    expect(named(conversation(["What is your name?What is your quest?"], NAME + QUEST))).toBeUndefined();
    expect(named(conversation(["What is your name?"], "Ni!"))).toBeUndefined();
  });

  it("names no fault when two explain the same bytes, unless one is the failed check's own rule", () => {
    // A question, then the start of a too-long one in a second read: a server that frames each
    // read alone and one with no question limit both answer the first and say nothing more.
    const part = "x".repeat(3000);
    const c = conversation(["What is your name?", part, part], NAME, { maxQuestion: 4096 });
    expect(named(c)).toBeUndefined();
    const d = diagnose(c, "LIMIT-QUESTION-2");
    expect(d ? `${d.rule} ${d.id}` : undefined).toBe("LIMIT-QUESTION-2 no-question-limit");
  });

  it("takes missing replies as evidence only when some came and the connection stayed open", () => {
    const twoInOneRead = ["What is your name?Who?"];
    expect(named(conversation(twoInOneRead, NAME))).toBe("ANSWER-2 first-question-per-read");
    // The server reset the connection after the first reply: a crash explains it as well.
    expect(named(conversation(twoInOneRead, NAME, { serverEnded: true }))).toBeUndefined();
    // Nothing came for a question split over two reads: silence says nothing of the framing.
    expect(named(conversation(["What is your", " name?"], ""))).toBeUndefined();
  });

  it("names separators that were not skipped (FRAME-2)", () => {
    const c = conversation([" What is your name?\r\nWhat is your quest?"], UNKNOWN + UNKNOWN);
    expect(named(c)).toBe("FRAME-2 separators-not-skipped");
  });

  it("names framing per read (FRAME-4): the part of a question that ends a read is lost", () => {
    expect(named(conversation(["What is", " your name?"], UNKNOWN))).toBe("FRAME-4 framing-per-read");
  });

  it("tries the ways short writes may have coalesced into reads", () => {
    // The first question's pieces arrived in one read, the second's in two: neither one read per
    // write nor one read for all explains it.
    const writes = ["What is", " your name?", "What is your", " quest?"];
    expect(diagnose(conversation(writes, NAME + UNKNOWN))?.rule).toBe("FRAME-4");
    // Lock-step: the second write followed the first one's reply, so they were never one read,
    // and a reply still to come is not a lost one.
    const lockStep = ["What is your name?", "What is your quest?"];
    expect(named(conversation(lockStep, NAME))).toBe("ANSWER-2 first-question-per-read");
    expect(named(conversation(lockStep, NAME, { receivedAtWrite: [0, NAME.length] }))).toBeUndefined();
  });

  it("does not call replies that came in order, with the rest missing, reordered", () => {
    const three = ["What is your name?What is your quest?What is your favorite color?"];
    expect(diagnose(conversation(three, NAME + QUEST, { serverEnded: true }))?.id).not.toBe(
      "replies-reordered",
    );
  });

  it("names a read's questions after the first lost (ANSWER-2) and a read taken as one question (FRAME-1)", () => {
    const writes = ["What is your name?What is your quest?", "What is your quest?"];
    expect(named(conversation(writes, NAME + QUEST))).toBe("ANSWER-2 first-question-per-read");
    expect(named(conversation(writes, UNKNOWN + QUEST))).toBe("FRAME-1 read-as-one-question");
  });

  it("names reordered replies (ANSWER-2), another entry's answer (ANSWER-1) and bytes added (ANSWER-1)", () => {
    const pipelined = ["What is your name?What is your quest?"];
    expect(named(conversation(pipelined, QUEST + NAME))).toBe("ANSWER-2 replies-reordered");
    expect(named(conversation(["What is your name?", "What is your name?"], QUEST + QUEST))).toBe(
      "ANSWER-1 another-entry-answer",
    );
    // The last reply still arriving (the wait ends soon after a wrong byte): the whole ones decide.
    expect(named(conversation(["What is your name?What is your quest?"], `${QUEST}Blu`))).toBe(
      "ANSWER-1 another-entry-answer",
    );
    expect(named(conversation(pipelined, `${NAME}\n${QUEST}\n`))).toBe("ANSWER-1 bytes-added");
    const tooLong = ["What is your name?", "x".repeat(5000)];
    expect(named(conversation(tooLong, `${NAME}\n${TOO_LONG_REPLY.toString("latin1")}`))).toBe(
      "ANSWER-1 bytes-added",
    );
  });

  it("tells another entry's answer from reordered replies by a question asked alone", () => {
    // Three questions answered with a consistent permutation: both faults fit these bytes.
    const writes = ["What is your favorite color?What is your quest?What is your name?"];
    const permuted = `${NAME}Blue.${QUEST}`;
    expect(named(conversation(writes, permuted))).toBe("ANSWER-2 replies-reordered");
    // The first table question, asked alone before the cases, got a wrong answer too.
    expect(named(conversation(writes, permuted, { tableAnswered: false }))).toBe(
      "ANSWER-1 another-entry-answer",
    );
    // It got its own answer alone, and here another one: not the same way every time, so even a
    // check of ANSWER-1 names the reordering.
    const answeredAlone = conversation(writes, permuted, { tableAnswered: true });
    expect(diagnose(answeredAlone, "ANSWER-1")?.id).toBe("replies-reordered");
    expect(diagnose(conversation(writes, permuted), "ANSWER-1")?.id).toBe("another-entry-answer");
  });

  it("names another unknown reply (UNKNOWN-1), the same every time", () => {
    const c = conversation(["Who?What is your name?Why?"], `I do not know.${NAME}I do not know.`);
    expect(named(c)).toBe("UNKNOWN-1 other-unknown-reply");
    expect(diagnose(c)?.explanation).toContain('"I do not know."');
  });

  it("names a reply to the unfinished question at FIN (HALF-2) and a missing question limit (LIMIT-QUESTION-2)", () => {
    expect(named(conversation(["What is your name?What"], NAME + UNKNOWN, { finSent: true }))).toBe(
      "HALF-2 unfinished-answered-at-fin",
    );
    const long = `${"x".repeat(1500)}?`;
    const c = conversation([long], UNKNOWN, { maxQuestion: 1024 });
    expect(named(c)).toBe("LIMIT-QUESTION-2 no-question-limit");
  });

  it("names a server that decodes each read as UTF-8: a character split across reads (FRAME-4), bytes not UTF-8 (FRAME-3)", () => {
    const bird = Buffer.from("What is the air-speed velocity of an unladen 🐦?");
    const cut = bird.length - 3; // inside the bird's four bytes
    const writes = [
      bird.subarray(0, cut),
      Buffer.concat([bird.subarray(cut), enc("What is your")]),
      enc(" name?"),
    ];
    const split = { ...conversation([], UNKNOWN + NAME), writes };
    // Framing each read on its own would also lose "What is your"; only the decoding explains it.
    expect(named(split)).toBe("FRAME-4 utf8-per-read");
    expect(named(conversation(["Quelle est votre couleur pr\xe9f\xe9r\xe9e?"], UNKNOWN))).toBe(
      "FRAME-3 utf8-per-read",
    );
  });

  it("names faults of framing by reads that the bytes cannot tell apart together, whatever the check's rule", () => {
    // The bird is split across writes, the second write after a reply: decoding each read as
    // UTF-8, framing each read alone, and answering only a read's first question all give two
    // unknown replies. The check of pipelining (ANSWER-2) does not make it the last one.
    const writes = [
      enc("Quel"),
      enc(" est"),
      Buffer.concat([
        enc(" votr{ pr\xc3\xa9nom ?What is the air-speed velocity of an unladen "),
        Buffer.from([0xf0, 0x9f]),
      ]),
      Buffer.from([0x90, 0xa6, 0x3f]),
    ];
    const c = { ...conversation([], UNKNOWN + UNKNOWN), writes, receivedAtWrite: [0, 0, 0, UNKNOWN.length] };
    expect(named(c)).toBe("FRAME-4 framed-by-reads");
    expect(diagnose(c, "ANSWER-2")?.id).toBe("framed-by-reads");
  });

  it("takes the fault that needs the fewest writes coalesced into one read, before the check's own rule", () => {
    // Each write its own read: framing per read explains it. Only by joining the first two writes
    // does a server answering a read's first question (ANSWER-2) explain it too.
    const c = conversation([" your name?", "What is", " your name?"], UNKNOWN + UNKNOWN);
    expect(named(c)).toBe("FRAME-4 framing-per-read");
    expect(diagnose(c, "ANSWER-2")?.id).toBe("framing-per-read");
  });

  it("names a too-long reply that came within the limit (LIMIT-QUESTION-1)", () => {
    const question = `${"y".repeat(2000)}?`;
    const c = conversation(["What is your name?", question], NAME + TOO_LONG_REPLY.toString("latin1"));
    expect(named(c)).toBe("LIMIT-QUESTION-1 too-long-early");
    // 2048 bytes that are not UTF-8 grow past Q = 4096 once decoded: decoding each read as UTF-8
    // explains the too-long reply too. The simpler fault, a Q set too low, is taken, unless the
    // failed check is of the framing fault's own rule.
    const notUtf8 = conversation([`${"\x80".repeat(2047)}?`], TOO_LONG_REPLY.toString("latin1"));
    expect(named(notUtf8)).toBe("LIMIT-QUESTION-1 too-long-early");
    expect(diagnose(notUtf8, "UNKNOWN-1")?.id).toBe("too-long-early");
    expect(diagnose(notUtf8, "FRAME-3")?.id).toBe("utf8-per-read");
  });
});
