/** How many of a client's bytes the server process has read, from the kernel's queues. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { WireClient } from "../src/client.js";
import { bytesReadByServer, parseProcNetTcp, serverAccepted } from "../src/tcp-queues.js";
import { WireLog } from "../src/wirelog.js";

describe("parseProcNetTcp", () => {
  it("reads ports, state and both queues from /proc/net/tcp and tcp6 rows", () => {
    const text = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "  14: 0100007F:9C20 0100007F:A0D1 01 0038B200:00000000 04:00000010 00000000     0        0 58569 2",
      "   3: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:C350 08 00000000:0001FA00 00:00000000 00000000 0 0 1",
    ].join("\n");
    expect(parseProcNetTcp(text)).toEqual([
      { state: "01", localPort: 0x9c20, remotePort: 0xa0d1, txQueue: 0x38b200, rxQueue: 0, inode: "58569" },
      { state: "08", localPort: 0x1f90, remotePort: 0xc350, txQueue: 0, rxQueue: 0x1fa00, inode: "1" },
    ]);
  });
});

describe("bytesReadByServer", () => {
  it("gives a lower bound, within a few writes, of what a paused server read of a client's push", async () => {
    let read = 0;
    let serverSide: Socket | undefined;
    const server = createServer((socket) => {
      serverSide = socket;
      socket.on("data", (chunk: Buffer) => {
        read += chunk.length;
        if (read > 1024 * 1024) socket.pause(); // then the kernel's buffers fill and the client stalls
      });
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const port = (server.address() as { port: number }).port;
    const client = await WireClient.open("127.0.0.1", port, new WireLog(), 5000);
    try {
      let pushed = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      for (let i = 0; i < 400; i++) {
        pushed += chunk.length;
        if (!client.push(chunk) && !(await client.waitForDrain(1000))) break;
      }
      const bound = await bytesReadByServer(client.localPort, port, pushed - client.unsentBytes);
      // What the server process took from the kernel: emitted, or held in the paused stream.
      const taken = read + (serverSide?.readableLength ?? 0);
      expect(bound).not.toBeNull();
      expect(bound as number).toBeLessThanOrEqual(taken);
      expect(bound as number).toBeGreaterThan(taken - 256 * 1024);
      expect(await bytesReadByServer(client.localPort, port + 1, 0)).toBeNull();
    } finally {
      client.destroy();
      serverSide?.destroy();
      await new Promise((done) => server.close(done));
    }
  });
});

/** A listener that accepts its first connection only, and holds it (exits with its stdin). */
const ACCEPTS_ONE = [
  "import socket, sys",
  "l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(8)",
  "print(l.getsockname()[1], flush=True)",
  "a, _ = l.accept()",
  "sys.stdin.read()",
].join("\n");

describe("serverAccepted", () => {
  it("tells a connection the server accepted from one still in its listen queue", async () => {
    const listener = spawn("python3", ["-c", ACCEPTS_ONE], { stdio: ["pipe", "pipe", "inherit"] });
    try {
      const [line] = (await once(listener.stdout, "data")) as [Buffer];
      const port = Number(line.toString().trim());
      const first = await WireClient.open("127.0.0.1", port, new WireLog(), 5000);
      const second = await WireClient.open("127.0.0.1", port, new WireLog(), 5000);
      await expect.poll(() => serverAccepted(first.localPort, port), { timeout: 5000 }).toBe(true);
      expect(await serverAccepted(second.localPort, port)).toBe(false);
      expect(await serverAccepted(second.localPort, port + 1)).toBeNull();
      first.destroy();
      second.destroy();
    } finally {
      listener.kill();
    }
  });
});
