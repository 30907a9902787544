/**
 * A path the Bun server implements on its own (the shared behaviour tests in impl-tests/ cover the
 * rest against both servers, the linger after the too-long reply among them): graceful close
 * (through startServer's close()) with output held in the server's own queue.
 */
import { describe, expect, it } from "vitest";
import { launchServer, stopAll, waitForStats } from "../../impl-tests/test/harness.js";
import { A_NAME, closedByFin, connect, Received, sleep } from "../../impl-tests/test/wire.js";

describe("Bun server graceful close", () => {
  it("delivers every answer owed for the questions it took in, then FIN, with no reset", async () => {
    const server = await launchServer("bun");
    try {
      const socket = await connect(server.port, server.host);
      socket.pause();
      socket.write("What is your name?".repeat(200_000)); // more than the server reads while paused
      const paused = await waitForStats(server, (s) => s.backpressurePauses > 0, 20_000);
      expect(paused.backpressurePauses).toBeGreaterThan(0);
      await sleep(300);
      // Paused: what the server took in is fixed; the rest waits unread in the kernel.
      const taken = (await server.stats()).bytesIn;
      const owed = Math.floor(taken / 18) * 35;
      expect(owed).toBeGreaterThan(256 * 1024);
      const got = new Received(socket);
      const closing = server.close();
      await sleep(300);
      socket.resume();
      expect(await closedByFin(got)).toBe(true);
      expect(got.text().length).toBe(owed);
      expect(got.text()).toBe(A_NAME.repeat(owed / 35));
      socket.end();
      await closing;
    } finally {
      await stopAll();
    }
  });
});
