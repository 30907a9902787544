/** RestartBackoff: the delays before restarting a worker that keeps dying. */
import { describe, expect, it } from "vitest";
import {
  formatDelay,
  RESTART_FIRST_DELAY_MS,
  RESTART_MAX_DELAY_MS,
  RESTART_RESET_AFTER_MS,
  RestartBackoff,
} from "../src/restart-backoff.js";

describe("RestartBackoff", () => {
  it("doubles from 0.1 s to at most 10 s while the worker dies soon after each start", () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 10 }, () => backoff.delayAfter(50));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
    expect(RESTART_FIRST_DELAY_MS).toBe(100);
    expect(RESTART_MAX_DELAY_MS).toBe(10_000);
  });

  it("starts over at the first delay after a worker that ran long enough", () => {
    const backoff = new RestartBackoff();
    backoff.delayAfter(0);
    backoff.delayAfter(0);
    expect(backoff.delayAfter(RESTART_RESET_AFTER_MS - 1)).toBe(400);
    expect(backoff.delayAfter(RESTART_RESET_AFTER_MS)).toBe(100);
    expect(backoff.delayAfter(0)).toBe(200);
  });

  it("formats delays as the logs show them", () => {
    expect(formatDelay(100)).toBe("0.1 s");
    expect(formatDelay(1600)).toBe("1.6 s");
    expect(formatDelay(10_000)).toBe("10 s");
  });
});
