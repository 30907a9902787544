/**
 * The suite's own oracle: what a conforming server must send back for a byte stream, written from
 * spec/rules.json alone (FRAME-1..3, ANSWER-1, UNKNOWN-1, LIMIT-QUESTION-2, HALF-2). It never uses the
 * protocol core the servers share, so a bug there cannot hide from the suite.
 */

export const UNKNOWN_REPLY: Buffer = Buffer.from("I don't know that.", "latin1");
export const TOO_LONG_REPLY: Buffer = Buffer.from("Your question is too long.", "latin1");
const QUESTION_MARK = 0x3f;

export function isSkippedByte(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

export interface OracleTable {
  readonly name: string;
  readonly entries: ReadonlyArray<{ readonly question: Uint8Array; readonly answer: Uint8Array }>;
}

/**
 * Answers by question bytes (latin1 keys are a lossless byte encoding). `unknownReply` is the
 * spec's, unless the run learned that the target consistently sends another one: then the cases
 * whose subject is not UNKNOWN-1 take that as its unknown reply, to judge their own rules.
 */
export class AnswerBook {
  readonly name: string;
  readonly questions: readonly Buffer[];
  readonly answers: readonly Buffer[];
  readonly unknownReply: Buffer;
  private readonly byQuestion = new Map<string, Buffer>();

  constructor(table: OracleTable, unknownReply: Buffer = UNKNOWN_REPLY) {
    this.name = table.name;
    this.questions = table.entries.map((e) => Buffer.from(e.question));
    this.answers = table.entries.map((e) => Buffer.from(e.answer));
    this.unknownReply = unknownReply;
    this.questions.forEach((q, i) => {
      this.byQuestion.set(q.toString("latin1"), this.answers[i] as Buffer);
    });
  }

  /** The same table with another unknown reply. */
  withUnknownReply(reply: Buffer): AnswerBook {
    const entries = this.questions.map((question, i) => ({ question, answer: this.answers[i] as Buffer }));
    return new AnswerBook({ name: this.name, entries }, reply);
  }

  /** True when the unknown reply is the spec's own. */
  get strictUnknown(): boolean {
    return this.unknownReply.equals(UNKNOWN_REPLY);
  }

  /** The reply the spec demands for one complete question (the bytes up to and including '?'). */
  replyTo(question: Uint8Array): Buffer {
    return this.byQuestion.get(Buffer.from(question).toString("latin1")) ?? this.unknownReply;
  }

  isKnown(question: Uint8Array): boolean {
    return this.byQuestion.has(Buffer.from(question).toString("latin1"));
  }
}

/** An expected reply and the question bytes that earned it. */
export interface ExpectedReply {
  readonly question: Buffer;
  /** The bytes sent for it, as sent: the skipped separators before the question included. */
  readonly raw: Buffer;
  readonly reply: Buffer;
  readonly kind: "answer" | "unknown" | "too-long";
}

/**
 * Incremental model of one connection as the client sees it. Feed it what the client sends; it
 * returns the replies that become owed, in order, and says when the server must close.
 */
export class ConversationModel {
  private pending: number[] = [];
  /** Every byte since the last question ended, separators included (for messages: what was sent). */
  private raw: number[] = [];
  private started = false;
  /** True once the model demands "Your question is too long." and a close. */
  closed = false;

  constructor(
    private readonly book: AnswerBook,
    /** Q: the question limit in force. */
    private readonly maxQuestion: number,
  ) {}

  /** Bytes of an unfinished question held so far. */
  get pendingBytes(): number {
    return this.pending.length;
  }

  feed(bytes: Uint8Array): ExpectedReply[] {
    const out: ExpectedReply[] = [];
    for (const byte of bytes) {
      if (this.closed) break;
      this.raw.push(byte);
      if (!this.started) {
        if (isSkippedByte(byte)) continue;
        this.started = true;
      }
      this.pending.push(byte);
      if (this.pending.length > this.maxQuestion) {
        const question = Buffer.from(this.pending);
        out.push({ question, raw: Buffer.from(this.raw), reply: TOO_LONG_REPLY, kind: "too-long" });
        this.pending = [];
        this.raw = [];
        this.closed = true;
        break;
      }
      if (byte === QUESTION_MARK) {
        const question = Buffer.from(this.pending);
        const known = this.book.isKnown(question);
        const kind = known ? "answer" : "unknown";
        out.push({ question, raw: Buffer.from(this.raw), reply: this.book.replyTo(question), kind });
        this.pending = [];
        this.raw = [];
        this.started = false;
      }
    }
    return out;
  }
}

/** Every reply owed for a whole stream, and whether the server must close after them. */
export function expectedReplies(
  book: AnswerBook,
  maxQuestion: number,
  stream: Uint8Array,
): { replies: ExpectedReply[]; mustClose: boolean } {
  const model = new ConversationModel(book, maxQuestion);
  const replies = model.feed(stream);
  return { replies, mustClose: model.closed };
}
