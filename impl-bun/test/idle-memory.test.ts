/**
 * Memory per idle connection (target: under 4 KiB of server RSS), the server as its own process
 * under Bun and the clients in this one. The full 10 000-connection figure comes from
 * `node_modules/.bin/bun impl-bun/test/idle-memory.ts`; here 4000 keep the test quick.
 */
import { afterAll, describe, expect, it } from "vitest";
import { stopAll } from "../../impl-tests/test/harness.js";
import { recordMeasurement } from "../../impl-tests/test/measurements.js";
import { bunMain, measureIdleMemory } from "./idle-memory.js";

afterAll(async () => {
  await stopAll();
});

describe("Bun server memory per idle connection", () => {
  it("holds 4000 idle connections in under 4 KiB of RSS each", async () => {
    const result = await measureIdleMemory(bunMain(), 4000);
    recordMeasurement("bun", "idle memory", { ...result });
    expect(result.rssAfterKiB).toBeGreaterThan(result.rssBeforeKiB);
    expect(result.kibPerConnection).toBeLessThan(4);
  });
});
