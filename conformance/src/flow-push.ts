/**
 * Pushing pipelined questions at a server from a client that reads nothing, for the flow cases,
 * so that they bite with any table (spec 7.2):
 * - the questions favour the one with the highest reply-to-question ratio among the table's and
 *   `?` (whose unknown reply is 18 bytes for 1), so the replies owed soon exceed every kernel
 *   buffer and a server must hold output, or stop reading;
 * - the writes have stalled only when the server takes (reads) no more bytes over a coarse window,
 *   read from the kernel's queues (/proc/net/tcp): a server that keeps reading slowly is not
 *   stalled, however long 'drain' takes; where the server's end is not visible on this host,
 *   a missing 'drain' over the window is the stall, as before;
 * - while it pushes, a server shown to hold more than the ceiling of H (the replies owed for what
 *   it has read, less what the kernel holds of them) and still reading violates FLOW-2 at once.
 */
import * as kit from "@bridgekeeper/client-kit";
import { LIMITS } from "@bridgekeeper/spec";
import type { WireClient } from "./client.js";
import { AnswerBook } from "./model.js";
import { QuestionChunker } from "./stream.js";
import { connectionQueues } from "./tcp-queues.js";

const CHUNK = 64 * 1024;
/** Under this many bytes read by the server over a window, its reading has stopped. */
const STALL_SLACK = 1024;
/** Held output past the ceiling of H, by this much, shows a server that does not bound it. */
const OVER_CEILING_MARGIN = 1024 * 1024;

/** The table and `?` (the unknown reply for one byte), and the index that amplifies most. */
export function flowBook(book: AnswerBook, withUnknown = true): { book: AnswerBook; favourite: number } {
  const entries = book.questions.map((question, i) => ({ question, answer: book.answers[i] as Buffer }));
  if (withUnknown) entries.push({ question: Buffer.from("?"), answer: book.unknownReply });
  const flow = new AnswerBook({ name: `${book.name} and ?`, entries }, book.unknownReply);
  let favourite = 0;
  entries.forEach((e, i) => {
    const best = entries[favourite] as (typeof entries)[number];
    if (e.answer.length / e.question.length > best.answer.length / best.question.length) favourite = i;
  });
  return { book: flow, favourite };
}

/** What the server's end of the connection shows: bytes it has read, and reply bytes the kernels hold. */
export interface ServerView {
  /** At least this many of the client's bytes have been read by the server process (null: not visible). */
  readonly read: number | null;
  /** Reply bytes in the kernels between server and client (its send queue, our receive queue). */
  readonly kernelReplies: number | null;
}

export async function serverView(
  client: WireClient,
  serverPort: number,
  pushed: number,
): Promise<ServerView> {
  const queues = await connectionQueues(client.localPort, serverPort);
  if (!queues) return { read: null, kernelReplies: null };
  const handed = pushed - client.unsentBytes;
  return {
    read: Math.max(0, handed - queues.client.txQueue - queues.server.rxQueue),
    // Bytes the client's socket took from its kernel but has not emitted (it is paused) are on their way too.
    kernelReplies: queues.server.txQueue + queues.client.rxQueue + client.socket.readableLength,
  };
}

export interface FlowPush {
  readonly pushed: number;
  readonly questions: number;
  readonly stalled: boolean;
  readonly ms: number;
  /** The server's end at the stall (or at the end of the push). */
  readonly view: ServerView;
  /** Set when the server was shown to hold more than the ceiling of H while still reading. */
  readonly overCeiling?: { readonly read: number; readonly owed: number; readonly kernelReplies: number };
}

export interface FlowPushOptions {
  readonly capBytes: number;
  readonly windowMs: number;
  readonly serverPort: number;
  readonly signal: AbortSignal;
  /**
   * Judge "held more than the ceiling of H while still reading" from the kernel's queues: only
   * when the socket's far end is the server process itself. Behind a proxy, questions the proxy
   * read may still be on their way to the server, and would be counted as replies held.
   */
  readonly judgeCeiling: boolean;
}

/**
 * The reply bytes owed for the whole questions in the first N bytes of the seeded stream, for N
 * that only grows (the server's reading): each call goes on from where the last one stopped.
 */
export class OwedReplies {
  private readonly order: kit.SeededOrder;
  private next: number | undefined;
  private bytes = 0;
  owed = 0;

  constructor(
    private readonly book: AnswerBook,
    seed: number,
    favourite: number | undefined,
  ) {
    this.order = new kit.SeededOrder(seed, book.questions.length, favourite);
  }

  /** The replies owed for the questions within the first `bytes` bytes. */
  upTo(bytes: number): number {
    for (;;) {
      this.next ??= this.order.next();
      const length = (this.book.questions[this.next] as Buffer).length;
      if (this.bytes + length > bytes) return this.owed;
      this.bytes += length;
      this.owed += (this.book.answers[this.next] as Buffer).length;
      this.next = undefined;
    }
  }
}

/** Waits for 'drain' window after window while the server keeps reading; true when it stopped. */
async function stalledWhileWaiting(
  client: WireClient,
  options: FlowPushOptions,
  pushed: number,
): Promise<boolean> {
  for (;;) {
    const before = await serverView(client, options.serverPort, pushed);
    if (await kit.drained(client.socket, options.windowMs)) return false;
    if (client.ended || options.signal.aborted) return false;
    const after = await serverView(client, options.serverPort, pushed);
    if (before.read === null || after.read === null) return true;
    if (after.read - before.read < STALL_SLACK) return true;
  }
}

/** Pushes seeded questions (favouring `favourite`) until the server stops reading, or `capBytes`. */
export async function pushWhileServerReads(
  client: WireClient,
  book: AnswerBook,
  seed: number,
  favourite: number | undefined,
  options: FlowPushOptions,
): Promise<FlowPush> {
  const started = performance.now();
  const chunker = new QuestionChunker(book, seed, favourite);
  const owedForRead = new OwedReplies(book, seed, favourite);
  const ceiling = LIMITS.highWaterMarkBytes.ceiling + OVER_CEILING_MARGIN;
  let stalled = false;
  let checkedAt = 0;
  while (chunker.bytes < options.capBytes && !options.signal.aborted && !client.ended) {
    if (!client.push(chunker.chunk(CHUNK)) && (await stalledWhileWaiting(client, options, chunker.bytes))) {
      stalled = !client.ended;
      break;
    }
    if (!options.judgeCeiling || chunker.bytes - checkedAt < 16 * CHUNK) continue;
    checkedAt = chunker.bytes;
    const view = await serverView(client, options.serverPort, chunker.bytes);
    if (view.read === null || view.kernelReplies === null) continue;
    const owed = owedForRead.upTo(view.read);
    if (owed - view.kernelReplies > ceiling) {
      const overCeiling = { read: view.read, owed, kernelReplies: view.kernelReplies };
      return {
        pushed: chunker.bytes,
        questions: chunker.questions,
        stalled: false,
        ms: performance.now() - started,
        view,
        overCeiling,
      };
    }
  }
  const view = await serverView(client, options.serverPort, chunker.bytes);
  return {
    pushed: chunker.bytes,
    questions: chunker.questions,
    stalled,
    ms: performance.now() - started,
    view,
  };
}
