/**
 * A deliberately naive model of the spec's framing, written from the rules and not from the core:
 * the whole stream at once, as a string of latin1 characters. The core must agree with it.
 */
import { TOO_LONG_REPLY_TEXT, UNKNOWN_REPLY_TEXT } from "../src/constants.js";
import type { QuestionTable } from "../src/table.js";

const latin1 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");

export interface ModelResult {
  /** The replies, in order, as bytes. */
  readonly output: Uint8Array;
  /** True when the stream ends the connection with the too-long reply. */
  readonly tooLong: boolean;
}

export function expectedOutput(table: QuestionTable, stream: Uint8Array, maxQuestion: number): ModelResult {
  const answers = new Map(table.entries.map((e) => [latin1(e.question), Buffer.from(e.answer)]));
  const text = latin1(stream);
  const replies: Buffer[] = [];
  let at = 0;
  let tooLong = false;
  for (;;) {
    while (at < text.length && " \t\r\n".includes(text[at] as string)) at++;
    if (at >= text.length) break;
    const mark = text.indexOf("?", at);
    const length = mark === -1 ? text.length - at : mark + 1 - at;
    if (length > maxQuestion) {
      replies.push(Buffer.from(TOO_LONG_REPLY_TEXT));
      tooLong = true;
      break;
    }
    if (mark === -1) break;
    replies.push(answers.get(text.slice(at, mark + 1)) ?? Buffer.from(UNKNOWN_REPLY_TEXT));
    at = mark + 1;
  }
  return { output: new Uint8Array(Buffer.concat(replies)), tooLong };
}
