/**
 * Memory per idle connection (target: under 4 KiB of server RSS), the server as its own process
 * under Bun and the clients in this one. The full 10 000-connection figure comes from
 * `node impl-bun/dist-test/idle-memory.js`; here 4000 keep the test quick.
 */
import { describe, expect, it } from "vitest";
import { mainScript } from "./harness.js";
import { measureIdleMemory } from "./idle-memory.js";

describe("Bun server memory per idle connection", () => {
  it("holds 4000 idle connections in under 4 KiB of RSS each", async () => {
    const result = await measureIdleMemory([mainScript, "--port", "0"], 4000);
    console.log(`[impl-bun idle memory] ${JSON.stringify(result)}`);
    expect(result.rssAfterKiB).toBeGreaterThan(result.rssBeforeKiB);
    expect(result.kibPerConnection).toBeLessThan(4);
  });
});
