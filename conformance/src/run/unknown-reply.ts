/**
 * Rule isolation for unknown questions: before the cases, the target is asked an unknown question
 * twice, lock-step. When it answers both times with the same text ending in '.' that is not the
 * spec's unknown reply, that text is this server's unknown reply: the cases that check UNKNOWN-1
 * fail it there, and the other cases take it as the server's reply to unknown questions, so one
 * basic defect does not mask whether the server frames, pipelines or survives garbage.
 */
import { ANSWER_END } from "@bridgekeeper/spec";
import { WireClient } from "../client.js";
import type { AnswerBook } from "../model.js";
import type { LaunchedTarget } from "../target.js";
import { WireLog } from "../wirelog.js";
import type { Waits } from "./waits.js";

const PROBE = Buffer.from("What is the air-speed velocity of an unladen swallow?", "latin1");

/** The reply the target sends to one unknown question, up to its '.', or null when none comes. */
async function replyTo(client: WireClient, question: Buffer, waits: Waits): Promise<Buffer | null> {
  const from = client.receivedCount;
  await client.send(question);
  await client.waitUntil(() => client.received.indexOf(ANSWER_END, from) >= 0, waits.waitMs);
  const end = client.received.indexOf(ANSWER_END, from);
  return end < 0 ? null : Buffer.from(client.received.subarray(from, end + 1));
}

/** What the probe found: the target's own unknown reply (null: the spec's, or none), and whether it answered at all. */
export interface UnknownProbe {
  readonly reply: Buffer | null;
  /**
   * False when the first table question, asked alone before the unknown one, got a reply other
   * than its answer: the server answers wrongly even one question at a time (it does not only
   * reorder replies).
   */
  readonly tableAnswered: boolean;
  /** False when an unknown question got no reply: the connection closed, was reset, or went silent. */
  readonly answered: boolean;
}

/** The target's own unknown reply when it consistently sends another one than the spec's, and whether it answers one at all. */
export async function learnUnknownReply(
  target: LaunchedTarget,
  book: AnswerBook,
  waits: Waits,
): Promise<UnknownProbe> {
  if (book.isKnown(PROBE)) return { reply: null, answered: true, tableAnswered: true };
  let client: WireClient;
  try {
    client = await WireClient.open(target.host, target.port, new WireLog(), waits.waitMs);
  } catch {
    return { reply: null, answered: true, tableAnswered: true };
  }
  try {
    const answer = await replyTo(client, book.questions[0] as Buffer, waits);
    const tableAnswered = answer === null || answer.equals(book.answers[0] as Buffer);
    const first = await replyTo(client, PROBE, waits);
    if (first === null) return { reply: null, answered: false, tableAnswered };
    if (first.equals(book.unknownReply)) return { reply: null, answered: true, tableAnswered };
    const second = await replyTo(client, PROBE, waits);
    const consistent = second?.equals(first) && first.indexOf(ANSWER_END) === first.length - 1;
    return { reply: consistent ? first : null, answered: true, tableAnswered };
  } finally {
    client.destroy();
  }
}
