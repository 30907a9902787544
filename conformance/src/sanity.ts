/** The sanity check around every case, and the round-trip measurement the coarse waits scale with. */
import { ANSWER_END } from "@bridgekeeper/spec";
import { WireClient } from "./client.js";
import type { AnswerBook } from "./model.js";
import type { StallWatch } from "./run/lane.js";
import { WireLog } from "./wirelog.js";

export type SanityState = "ok" | "wrong-answer" | "silent" | "refused";

export interface SanityResult {
  readonly state: SanityState;
  readonly detail: string;
  readonly rttMs: number;
}

/** One lock-step question on a fresh connection (around a case in turn: its lane's stall watch). */
export async function sanityCheck(
  host: string,
  port: number,
  book: AnswerBook,
  waitMs: number,
  stall?: StallWatch,
): Promise<SanityResult> {
  const log = new WireLog();
  let client: WireClient;
  try {
    client = await WireClient.open(host, port, log, waitMs);
  } catch (error) {
    return { state: "refused", detail: (error as Error).message, rttMs: 0 };
  }
  client.stallWatch = stall;
  try {
    const question = book.questions[0] as Buffer;
    const answer = book.answers[0] as Buffer;
    const started = performance.now();
    await client.send(question);
    // The reply is complete at its '.' (or at the answer's length): a wrong one costs no wait.
    const outcome = await client.waitUntil(
      () => client.receivedCount >= answer.length || client.received.includes(ANSWER_END),
      waitMs,
    );
    const rttMs = performance.now() - started;
    if (client.receivedCount === 0) {
      const how =
        outcome === "closed"
          ? "the server closed the connection"
          : `no reply within ${(waitMs / 1000).toFixed(1)} s`;
      return { state: "silent", detail: how, rttMs };
    }
    if (!client.received.subarray(0, answer.length).equals(answer)) {
      return {
        state: "wrong-answer",
        detail: "the reply to the first table question is not its answer",
        rttMs,
      };
    }
    return { state: "ok", detail: "answered", rttMs };
  } finally {
    client.destroy();
  }
}

/** Median lock-step round trip over a few questions on one connection (ms), or null. */
export async function measureRoundTrip(
  host: string,
  port: number,
  book: AnswerBook,
  waitMs: number,
): Promise<number | null> {
  const log = new WireLog();
  let client: WireClient;
  try {
    client = await WireClient.open(host, port, log, waitMs);
  } catch {
    return null;
  }
  try {
    const question = book.questions[0] as Buffer;
    const samples: number[] = [];
    // A reply is counted when its '.' arrives, whatever it says: a server that answers wrongly
    // still has a round trip (the cases judge what it says).
    const repliesIn = (): number => client.received.reduce((n, byte) => n + (byte === ANSWER_END ? 1 : 0), 0);
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      await client.send(question);
      const outcome = await client.waitUntil(() => repliesIn() >= i + 1, waitMs);
      if (outcome !== "done") break;
      samples.push(performance.now() - started);
    }
    if (samples.length === 0) return null;
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)] as number;
  } finally {
    client.destroy();
  }
}
