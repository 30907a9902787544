/** pushUntilStall against a real server that stops reading. */
import { connect, createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { pushUntilStall } from "../src/index.js";

describe("pushUntilStall", () => {
  it("stalls once a server that stopped reading has let the kernel's buffers fill, and not before the cap", async () => {
    let serverSide: Socket | undefined;
    const server = createServer((socket) => {
      serverSide = socket;
      socket.pause();
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    const client = connect({ port, host: "127.0.0.1" });
    await new Promise((done) => client.once("connect", done));
    try {
      const chunk = Buffer.alloc(64 * 1024, 0x3f);
      const stalled = await pushUntilStall(client, () => chunk, 512 * 1024 * 1024, 1000);
      expect(stalled.stalled).toBe(true);
      expect(stalled.pushed).toBeLessThan(512 * 1024 * 1024);
      expect(stalled.pushed).toBeGreaterThan(64 * 1024);
      serverSide?.resume();
      const capped = await pushUntilStall(client, () => chunk, 256 * 1024, 1000);
      expect(capped).toMatchObject({ stalled: false, pushed: 256 * 1024 });
    } finally {
      client.destroy();
      serverSide?.destroy();
      await new Promise((done) => server.close(done));
    }
  });
});
