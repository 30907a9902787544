/** The idle clock: never closes early, closes what stays idle, lingers at most LINGER_MS, one rule for both servers. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClockedConnection,
  IdleClock,
  idleLimitTicks,
  LINGER_MS,
  tickPeriodMs,
} from "../src/idle-clock.js";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Item implements ClockedConnection {
  quietTicks = 0;
  lingering = false;
  idleAt: number | undefined;
  closedAt: number | undefined;
  constructor(private readonly items: Set<Item>) {
    items.add(this);
  }
  closeIdle(): void {
    this.idleAt = Date.now();
    this.closeNow();
  }
  closeNow(): void {
    this.closedAt ??= Date.now();
    this.items.delete(this);
  }
}

describe("IdleClock", () => {
  it("closes an item only after it has been idle for the timeout, and keeps an active one", async () => {
    const items = new Set<Item>();
    const idle = new Item(items);
    const busy = new Item(items);
    const start = Date.now();
    const clock = new IdleClock<Item>(300, items);
    clock.start();
    try {
      for (let i = 0; i < 40 && idle.closedAt === undefined; i++) {
        busy.quietTicks = 0;
        await sleep(25);
      }
      expect(idle.closedAt).toBeDefined();
      expect((idle.closedAt ?? 0) - start).toBeGreaterThanOrEqual(300);
      expect(busy.closedAt).toBeUndefined();
    } finally {
      clock.stop();
    }
  });

  it("uses one-second ticks for real timeouts and enough of them never to close early", () => {
    const clock = new IdleClock<Item>(10_000, new Set());
    clock.stop();
    expect(clock.periodMs).toBe(1000);
    expect(clock.limitTicks).toBe(11);
  });

  it("ticks at I / 10 within 50..1000 ms, and closes after at least I and at most two ticks more", () => {
    expect(tickPeriodMs(300)).toBe(50);
    expect(tickPeriodMs(5000)).toBe(500);
    expect(tickPeriodMs(600_000)).toBe(1000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600_000 }), (idleMs) => {
        const period = tickPeriodMs(idleMs);
        const ticks = idleLimitTicks(idleMs);
        // After progress the next sweep may come at once, each later one a period or more after
        // the one before: the closing sweep comes (ticks - 1) periods or more after the progress,
        // and, on time, at most `ticks` periods after it.
        expect((ticks - 1) * period).toBeGreaterThanOrEqual(idleMs);
        expect(ticks * period).toBeLessThan(idleMs + 2 * period);
      }),
    );
  });

  it("notes progress reported at a sweep (observe) as activity", async () => {
    const items = new Set<Item>();
    const slowReader = new Item(items);
    const clock = new IdleClock<Item>(300, items, (item) => {
      item.quietTicks = 0; // its output made progress since the last sweep
    });
    clock.start();
    try {
      await sleep(1000);
      expect(slowReader.closedAt).toBeUndefined();
    } finally {
      clock.stop();
    }
  });

  it("does not judge a lingering connection idle, and closes it LINGER_MS after its linger began", async () => {
    const items = new Set<Item>();
    const lingering = new Item(items);
    const later = new Item(items);
    const clock = new IdleClock<Item>(300, items);
    clock.start();
    try {
      lingering.lingering = true;
      later.lingering = true; // out of the idle rule, its linger begins later
      const startedAt = Date.now();
      clock.linger(lingering);
      await sleep(500);
      clock.linger(later);
      await sleep(1000); // 1.5 s in: three idle timeouts, yet neither is closed
      expect(lingering.closedAt).toBeUndefined();
      expect(later.closedAt).toBeUndefined();
      for (let i = 0; i < 50 && later.closedAt === undefined; i++) await sleep(100);
      expect(lingering.idleAt).toBeUndefined();
      expect(later.idleAt).toBeUndefined();
      expect((lingering.closedAt ?? 0) - startedAt).toBeGreaterThanOrEqual(LINGER_MS - 5);
      expect(later.closedAt).toBeGreaterThanOrEqual(lingering.closedAt ?? Number.POSITIVE_INFINITY);
    } finally {
      clock.stop();
    }
  });
});
