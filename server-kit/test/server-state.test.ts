/** ServerState: the counts of open connections, the last close of a shutdown, the core's options. */
import { DEFAULT_LIMITS, QuestionTable } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import type { ClockedConnection } from "../src/idle-clock.js";
import { ServerState } from "../src/server-state.js";

function item(): ClockedConnection {
  return { quietTicks: 0, lingering: false, closeIdle: () => undefined, closeNow: () => undefined };
}

describe("ServerState", () => {
  it("counts connections opened and closed, once each, and calls back after the last one", () => {
    const state = new ServerState(new QuestionTable("t", []), DEFAULT_LIMITS, () => undefined);
    try {
      const [a, b] = [item(), item()];
      state.opened(a);
      state.opened(b);
      expect(state.stats).toMatchObject({ connectionsOpen: 2, connectionsTotal: 2 });
      let emptied = 0;
      state.afterLastConnection(() => emptied++);
      state.closed(a);
      state.closed(a); // a second close callback of the same socket changes nothing
      expect(state.stats.connectionsOpen).toBe(1);
      expect(emptied).toBe(0);
      state.closed(b);
      expect(state.stats).toMatchObject({ connectionsOpen: 0, connectionsTotal: 2 });
      expect(emptied).toBe(1);
      state.afterLastConnection(() => emptied++); // none open: at once
      expect(emptied).toBe(2);
    } finally {
      state.stop();
    }
  });

  it("gives every core Q and the shared counters, and stats() the core's totals", () => {
    const limits = { ...DEFAULT_LIMITS, maxQuestionBytes: 2048 };
    const state = new ServerState(new QuestionTable("t", []), limits, () => undefined);
    state.stop();
    expect(state.coreOptions).toEqual({ maxQuestionBytes: 2048, counters: state.counters });
    state.counters.answered = 3;
    state.counters.unknown = 2;
    state.counters.tooLong = 1;
    expect(state.snapshot()).toMatchObject({
      questionsAnswered: 3,
      unknownQuestions: 2,
      tooLongQuestions: 1,
    });
  });
});
