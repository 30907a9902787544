/**
 * The minimal servers are the floor every ratio is taken against, so they must be correct: framing,
 * lookup, pipelining and partial writes. Each is started through the suite's launcher, as the bench
 * starts them, and stopped in afterAll.
 */

import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CyclicOrder, ReplyChecker } from "@bridgekeeper/client-kit";
import type { LaunchedTarget } from "@bridgekeeper/conformance";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchTarget, launchBenchTarget, type Runtime, resolveTargets } from "../src/targets.js";

const largeTable = new URL("../../fixtures/tables/large-answers.json", import.meta.url).pathname;

/** Writes `bytes` in pieces, waits (bounded) for `expectedBytes` of reply, returns the reply. */
async function converse(
  port: number,
  pieces: readonly Uint8Array[],
  expectedBytes: number,
  options: { readLateMs?: number } = {},
): Promise<Buffer> {
  const socket = connect({ host: "127.0.0.1", port });
  const received: Buffer[] = [];
  let size = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    if (options.readLateMs !== undefined) socket.pause();
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      size += chunk.length;
    });
    for (const piece of pieces) {
      socket.write(piece);
      await sleep(1);
    }
    if (options.readLateMs !== undefined) {
      await sleep(options.readLateMs);
      socket.resume();
    }
    const deadline = Date.now() + 30_000;
    while (size < expectedBytes && Date.now() < deadline) await sleep(20);
    await sleep(100);
    return Buffer.concat(received);
  } finally {
    socket.destroy();
  }
}

const encoder = new TextEncoder();

function baseline(runtime: Runtime, tablePath: string | null): BenchTarget {
  const [target] = resolveTargets([`${runtime}-minimal`], { baselines: false, serverArgs: [], tablePath });
  if (target === undefined) throw new Error(`no ${runtime}-minimal target`);
  return target;
}

for (const runtime of ["node", "bun"] as const satisfies readonly Runtime[]) {
  describe(`${runtime}-minimal baseline`, () => {
    let canonical: LaunchedTarget;
    let large: LaunchedTarget;

    beforeAll(async () => {
      canonical = await launchBenchTarget(baseline(runtime, null), 30_000);
      large = await launchBenchTarget(baseline(runtime, largeTable), 30_000);
    });

    afterAll(async () => {
      await canonical?.stop();
      await large?.stop();
    });

    it("answers questions split one byte at a time, skipping separators between them", async () => {
      const text = " What is your name?\r\nWhat is your quest?\tWhat is your favorite color?Who?";
      const pieces = [...encoder.encode(text)].map((b) => Uint8Array.of(b));
      const expected = "My name is Sir Lancelot of Camelot.To seek the Holy Grail.Blue.I don't know that.";
      const reply = await converse(canonical.port, pieces, expected.length);
      expect(reply.toString("utf8")).toBe(expected);
    });

    it("answers 3000 pipelined questions in order", async () => {
      const table = await loadTableFile();
      const questions = Array.from({ length: 3000 }, (_, i) => table.entries[i % 3]?.question as Uint8Array);
      const answers = table.entries.map((e) => e.answer);
      const expectedBytes = questions.reduce((n, _q, i) => n + (answers[i % 3] as Uint8Array).length, 0);
      const whole = Buffer.concat(questions);
      const reply = await converse(
        canonical.port,
        [whole.subarray(0, 7777), whole.subarray(7777)],
        expectedBytes,
      );
      const stream = new ReplyChecker(answers, new CyclicOrder(0, answers.length));
      stream.feed(reply);
      expect(stream.correct).toBe(3000);
      expect(stream.wrong).toBe(0);
    });

    it("keeps unwritten bytes across partial writes when the client reads late (megabytes of answers)", async () => {
      const table = await loadTableFile(largeTable);
      const count = 100;
      const order = Array.from({ length: count }, (_, i) => i % table.entries.length);
      const questions = order.map((i) => table.entries[i]?.question as Uint8Array);
      const answers = table.entries.map((e) => e.answer);
      const expectedBytes = order.reduce((n, i) => n + (answers[i] as Uint8Array).length, 0);
      const reply = await converse(large.port, [Buffer.concat(questions)], expectedBytes, {
        readLateMs: 500,
      });
      expect(reply.length).toBe(expectedBytes);
      const stream = new ReplyChecker(answers, new CyclicOrder(0, answers.length));
      stream.feed(reply);
      expect(stream.correct).toBe(count);
      expect(stream.wrong).toBe(0);
    });
  });
}
