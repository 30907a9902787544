/** The idle sweeper: never closes early, closes what stays idle, counts output progress as activity. */
import { describe, expect, it } from "vitest";
import { IdleSweeper } from "../src/idle.js";
import { sleep } from "./helpers.js";

interface Item {
  lastActiveTick: number;
  closedAt?: number;
}

describe("IdleSweeper", () => {
  it("closes an item only after it has been idle for the timeout, and keeps an active one", async () => {
    const idle: Item = { lastActiveTick: 0 };
    const busy: Item = { lastActiveTick: 0 };
    const items = new Set([idle, busy]);
    const start = Date.now();
    const sweeper = new IdleSweeper<Item>(
      300,
      items,
      () => undefined,
      (item) => {
        item.closedAt = Date.now();
        items.delete(item);
      },
    );
    try {
      for (let i = 0; i < 40 && idle.closedAt === undefined; i++) {
        busy.lastActiveTick = sweeper.tick;
        await sleep(25);
      }
      expect(idle.closedAt).toBeDefined();
      expect((idle.closedAt ?? 0) - start).toBeGreaterThanOrEqual(300);
      expect(busy.closedAt).toBeUndefined();
    } finally {
      sweeper.stop();
    }
  });

  it("uses one-second ticks for real timeouts and enough of them never to close early", () => {
    const sweeper = new IdleSweeper<Item>(
      10_000,
      [],
      () => undefined,
      () => undefined,
    );
    sweeper.stop();
    expect(sweeper.periodMs).toBe(1000);
    expect(sweeper.limitTicks).toBe(11);
  });
});
