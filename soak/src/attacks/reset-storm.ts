/**
 * Reset storm: `connections` connections, `lanes` at a time, each reset (RST) at a random point:
 * at once, in the middle of a question, right after pipelined questions (answers in flight), or in
 * the middle of reading the answers. The server must survive, and let every one go (RESET-1).
 */
import { type AttackFigures, type AttackTarget, open, type Ready } from "./common.js";

export interface ResetStormParams {
  readonly connections: number;
  readonly lanes: number;
}

const QUESTIONS = Buffer.from("What is your name?What is your quest?".repeat(20));
const POINTS = ["atOnce", "midQuestion", "afterQuestions", "midAnswers"] as const;

function waitForData(socket: import("node:net").Socket, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    socket.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export async function resetStorm(
  target: AttackTarget,
  params: ResetStormParams,
  ready: Ready,
): Promise<AttackFigures> {
  const counts: Record<string, number> = { atOnce: 0, midQuestion: 0, afterQuestions: 0, midAnswers: 0 };
  let connectFailures = 0;
  let seed = 0x6d2b79f5;
  let next = 0;
  const started = Date.now();
  ready();
  const lane = async (): Promise<void> => {
    while (next < params.connections) {
      next++;
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const point = POINTS[(seed >>> 0) % POINTS.length] as (typeof POINTS)[number];
      const socket = await open(target);
      if (socket === undefined) {
        connectFailures++;
        continue;
      }
      if (point === "midQuestion") socket.write(QUESTIONS.subarray(0, 7));
      if (point === "afterQuestions") socket.write(QUESTIONS);
      if (point === "midAnswers") {
        socket.write(QUESTIONS);
        await waitForData(socket, 5000);
      }
      socket.resetAndDestroy();
      counts[point] = (counts[point] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: params.lanes }, lane));
  const elapsedMs = Date.now() - started;
  const resets = Object.values(counts).reduce((a, b) => a + b, 0);
  return { resets, ...counts, connectFailures, elapsedMs, resetsPerSecond: (resets * 1000) / elapsedMs };
}
