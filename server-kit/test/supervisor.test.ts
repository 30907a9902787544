/** PendingRestarts: the restarts of worker slots waiting out their backoff, logged, cancelled at a stop. */
import { describe, expect, it } from "vitest";
import { RestartBackoff } from "../src/restart-backoff.js";
import { PendingRestarts } from "../src/supervisor.js";

describe("PendingRestarts", () => {
  it("logs each exit with its delay, restarts after it, and cancels what is still waiting", async () => {
    const lines: string[] = [];
    const restarts = new PendingRestarts((line) => lines.push(line));
    const slot = { backoff: new RestartBackoff(), startedAt: Date.now() };
    const other = { backoff: new RestartBackoff(), startedAt: Date.now() };
    let restarted = 0;
    restarts.schedule(slot, 41, "SIGKILL", () => restarted++);
    other.backoff.delayAfter(0); // its next delay: 0.2 s
    restarts.schedule(other, 42, "1", () => restarted++);
    expect(lines).toEqual([
      "worker 41 exited (SIGKILL); starting a replacement in 0.1 s",
      "worker 42 exited (1); starting a replacement in 0.2 s",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    restarts.cancel();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(restarted).toBe(1);
  });
});
