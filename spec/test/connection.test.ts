import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LauncelotConnection, newCounters } from "../src/connection.js";
import { LIMITS, TOO_LONG_REPLY, UNKNOWN_REPLY } from "../src/constants.js";
import type { QuestionTable } from "../src/table.js";
import { loadTableFile, tablesDir } from "../src/table-file.js";
import {
  bytes,
  concat,
  questionStream,
  separators,
  splitAt,
  splitPoints,
  tableQuestion,
  unknownQuestion,
} from "./arbitraries.js";
import { expectedOutput } from "./reference-model.js";

const RUNS = { numRuns: 1000 };
const Q = LIMITS.maxQuestionBytes.default;

let canonical: QuestionTable;
let utf8: QuestionTable;
let large: QuestionTable;

beforeAll(async () => {
  canonical = await loadTableFile(`${tablesDir()}/canonical.json`);
  utf8 = await loadTableFile(`${tablesDir()}/utf8.json`);
  large = await loadTableFile(`${tablesDir()}/large-answers.json`);
});

/** Feeds chunks one by one, pulling with the given budgets in between, then ends; returns all output. */
function run(
  table: QuestionTable,
  chunks: readonly Uint8Array[],
  budgets: readonly number[],
  options: { maxQuestionBytes?: number; end?: boolean } = {},
): { output: Uint8Array; connection: LauncelotConnection; maxPull: number; pullsOverBudget: number } {
  const connection = new LauncelotConnection(table, { maxQuestionBytes: options.maxQuestionBytes ?? Q });
  const out: Uint8Array[] = [];
  let turn = 0;
  let maxPull = 0;
  let pullsOverBudget = 0;
  const pull = (budget: number) => {
    const piece = connection.pull(budget);
    if (piece.length > budget) pullsOverBudget++;
    maxPull = Math.max(maxPull, piece.length);
    if (piece.length > 0) out.push(piece.slice());
  };
  for (const chunk of chunks) {
    connection.receive(chunk);
    pull(budgets[turn++ % budgets.length] ?? 1);
  }
  if (options.end !== false) connection.receiveEnd();
  while (connection.hasOutput) pull(budgets[turn++ % budgets.length] ?? 1);
  return { output: concat(out), connection, maxPull, pullsOverBudget };
}

const budgets = fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 8 });

describe("the protocol core", () => {
  it("gives the same replies however the client's bytes are split into reads (FRAME-4)", () => {
    for (const table of [canonical, utf8]) {
      fc.assert(
        fc.property(
          questionStream(table).chain((s) => fc.tuple(fc.constant(s), splitPoints(s.length), budgets)),
          ([stream, cuts, pullBudgets]) => {
            const expected = expectedOutput(table, stream, Q).output;
            const whole = run(table, [stream], [1 << 30]).output;
            const split = run(table, splitAt(stream, cuts), pullBudgets).output;
            expect(Buffer.from(whole).equals(Buffer.from(expected))).toBe(true);
            expect(Buffer.from(split).equals(Buffer.from(expected))).toBe(true);
          },
        ),
        RUNS,
      );
    }
  });

  it("answers pipelined questions in order, each exactly once, with nothing between (ANSWER-1, ANSWER-2)", () => {
    fc.assert(
      fc.property(fc.array(tableQuestion(canonical), { minLength: 1, maxLength: 30 }), (questions) => {
        const { output, connection } = run(canonical, [concat(questions)], [1 << 30]);
        const expected = concat(questions.map((q) => canonical.answerFor(q) as Uint8Array));
        expect(Buffer.from(output).equals(Buffer.from(expected))).toBe(true);
        expect(connection.done).toBe(true);
      }),
      RUNS,
    );
  });

  it("never returns more than the budget from one pull, even for answers of tens of KiB", () => {
    fc.assert(
      fc.property(
        fc.array(tableQuestion(large), { minLength: 1, maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 5 }),
        (questions, pullBudgets) => {
          const { output, pullsOverBudget } = run(large, [concat(questions)], pullBudgets);
          expect(pullsOverBudget).toBe(0);
          const expected = concat(questions.map((q) => large.answerFor(q) as Uint8Array));
          expect(Buffer.from(output).equals(Buffer.from(expected))).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("parses no further question while the server pulls nothing (bounded output, FLOW-2)", () => {
    fc.assert(
      fc.property(
        fc.array(tableQuestion(large), { minLength: 2, maxLength: 50 }),
        fc.nat(70_000),
        (qs, budget) => {
          const counters = newCounters();
          const connection = new LauncelotConnection(large, { counters });
          connection.receive(concat(qs));
          const first = connection.pull(budget);
          expect(first.length).toBeLessThanOrEqual(budget);
          // Only questions whose replies were (at least partly) pulled, plus the one prepared next, were parsed.
          expect(counters.answered).toBeLessThanOrEqual(Math.ceil(budget / 30) + 1);
          const total = qs.reduce((n, q) => n + (large.answerFor(q) as Uint8Array).length, 0);
          expect(connection.hasOutput).toBe(first.length < total);
        },
      ),
      RUNS,
    );
  });

  it("replies to unknown questions with the reserved reply and stays in sync (UNKNOWN-1, UNKNOWN-2)", () => {
    fc.assert(
      fc.property(unknownQuestion(200), tableQuestion(canonical), (unknown, known) => {
        const { output, connection } = run(canonical, [concat([unknown, known])], [1 << 30]);
        const expected = concat([UNKNOWN_REPLY, canonical.answerFor(known) as Uint8Array]);
        expect(Buffer.from(output).equals(Buffer.from(expected))).toBe(true);
        expect(connection.done).toBe(true);
      }),
      RUNS,
    );
  });

  it("skips separators between questions and keeps them inside a question (FRAME-2)", () => {
    fc.assert(
      fc.property(separators(), separators(), (before, after) => {
        const question = bytes("What is your name?");
        const { output } = run(canonical, [concat([before, question, after, question, after])], [1 << 30]);
        const answer = canonical.answerFor(question) as Uint8Array;
        expect(Buffer.from(output).equals(Buffer.from(concat([answer, answer])))).toBe(true);
      }),
      RUNS,
    );
    const inner = run(canonical, [bytes("What is\r\nyour name?")], [1 << 30]).output;
    expect(Buffer.from(inner).equals(Buffer.from(UNKNOWN_REPLY))).toBe(true);
  });

  it("accepts any byte value other than '?' in a question (FRAME-3)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300)), (garbage, cuts) => {
        const table = canonical;
        const expected = expectedOutput(table, garbage, Q);
        const { output } = run(
          table,
          splitAt(
            garbage,
            [...new Set(cuts)].sort((a, b) => a - b),
          ),
          [7, 1 << 20],
        );
        expect(Buffer.from(output).equals(Buffer.from(expected.output))).toBe(true);
      }),
      RUNS,
    );
  });

  it("accepts questions up to the limit and ends the connection past it (LIMIT-QUESTION-1, -2)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: LIMITS.maxQuestionBytes.floor, max: LIMITS.maxQuestionBytes.ceiling }),
        fc.boolean(),
        fc.nat(5),
        (limit, withMark, chunkCount) => {
          const atLimit = new Uint8Array(limit).fill(0x61);
          atLimit[limit - 1] = 0x3f;
          const accepted = run(canonical, [atLimit], [1 << 30], { maxQuestionBytes: limit });
          expect(Buffer.from(accepted.output).equals(Buffer.from(UNKNOWN_REPLY))).toBe(true);

          const over = new Uint8Array(limit + 1).fill(0x62);
          if (withMark) over[limit] = 0x3f;
          const stream = concat([bytes("What is your quest?"), over, bytes("What is your name?")]);
          const cuts = Array.from({ length: chunkCount }, (_, i) =>
            Math.floor(((i + 1) * stream.length) / (chunkCount + 2)),
          );
          const rejected = run(canonical, splitAt(stream, cuts), [1 << 30], {
            maxQuestionBytes: limit,
            end: false,
          });
          const expected = concat([
            canonical.answerFor(bytes("What is your quest?")) as Uint8Array,
            TOO_LONG_REPLY,
          ]);
          expect(Buffer.from(rejected.output).equals(Buffer.from(expected))).toBe(true);
          expect(rejected.connection.done).toBe(true);
          rejected.connection.receive(bytes("What is your name?"));
          expect(rejected.connection.hasOutput).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("keeps at most Q bytes of an unfinished question, however it trickles in", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (sizes) => {
        const connection = new LauncelotConnection(canonical, {
          maxQuestionBytes: LIMITS.maxQuestionBytes.floor,
        });
        for (const size of sizes) {
          connection.receive(new Uint8Array(size).fill(0x78));
          connection.pull(1 << 20);
          expect(connection.bufferedInputBytes).toBeLessThanOrEqual(LIMITS.maxQuestionBytes.floor);
        }
      }),
      RUNS,
    );
  });

  it("answers every complete question after FIN and drops an unfinished one (HALF-1, HALF-2)", () => {
    fc.assert(
      fc.property(questionStream(canonical), fc.uint8Array({ maxLength: 50 }), (stream, tail) => {
        const unfinished = tail.filter((b) => b !== 0x3f);
        const connection = new LauncelotConnection(canonical);
        connection.receive(stream);
        connection.receive(unfinished);
        connection.receiveEnd();
        const out: Uint8Array[] = [];
        while (connection.hasOutput) out.push(connection.pull(13).slice());
        const expected = expectedOutput(canonical, stream, Q).output;
        expect(Buffer.from(concat(out)).equals(Buffer.from(expected))).toBe(true);
        expect(connection.done).toBe(true);
        expect(connection.bufferedInputBytes).toBe(0);
      }),
      RUNS,
    );
  });

  it("looks without touching: hasOutput, done and state parse nothing and count nothing", () => {
    fc.assert(
      fc.property(questionStream(canonical), fc.uint8Array({ maxLength: 40 }), (stream, tail) => {
        const counters = newCounters();
        const connection = new LauncelotConnection(canonical, { counters });
        connection.receive(stream);
        connection.receive(tail);
        const buffered = connection.bufferedInputBytes;
        for (let i = 0; i < 3; i++) void [connection.hasOutput, connection.done, connection.state];
        expect(counters).toEqual(newCounters());
        expect(connection.bufferedInputBytes).toBe(buffered);
        expect(connection.state).toBe("reading");
      }),
      RUNS,
    );
  });

  it("names its states: FIN (ended, clientEnded) apart from a shutdown (stopped), and failed", () => {
    const finished = new LauncelotConnection(canonical);
    finished.receive(bytes("What is your name?What"));
    finished.receiveEnd();
    expect([finished.state, finished.clientEnded, finished.done]).toEqual(["ended", true, false]);
    expect(Buffer.from(finished.pull(1000)).toString()).toBe("My name is Sir Lancelot of Camelot.");
    expect([finished.done, finished.bufferedInputBytes]).toEqual([true, 0]);

    const stopping = new LauncelotConnection(canonical);
    stopping.receive(bytes("What is your quest?"));
    stopping.stopInput();
    stopping.receive(bytes("What is your name?")); // after the shutdown: not taken
    expect([stopping.state, stopping.clientEnded]).toEqual(["stopped", false]);
    expect(Buffer.from(stopping.pull(1000)).toString()).toBe("To seek the Holy Grail.");
    expect(stopping.done).toBe(true);
    stopping.receiveEnd();
    expect([stopping.state, stopping.clientEnded]).toEqual(["stopped", true]);

    const failing = new LauncelotConnection(canonical, { maxQuestionBytes: 1024 });
    failing.receive(new Uint8Array(1025).fill(0x41));
    expect(failing.state).toBe("reading");
    expect(Buffer.from(failing.pull(1000)).toString()).toBe("Your question is too long.");
    expect([failing.state, failing.done, failing.clientEnded]).toEqual(["failed", true, false]);
  });

  it("counts answered, unknown and too-long questions", () => {
    const counters = newCounters();
    const connection = new LauncelotConnection(canonical, { counters, maxQuestionBytes: 1024 });
    connection.receive(bytes("What is your name?Who?\r\n"));
    connection.receive(new Uint8Array(1025).fill(0x41));
    while (connection.hasOutput) connection.pull(1000);
    expect(counters).toEqual({ answered: 1, unknown: 1, tooLong: 1 });
  });

  it("rejects a question limit outside the spec's range", () => {
    expect(() => new LauncelotConnection(canonical, { maxQuestionBytes: 1023 })).toThrow(/1024 to 65536/);
    expect(() => new LauncelotConnection(canonical, { maxQuestionBytes: 65537 })).toThrow(/1024 to 65536/);
  });
});
