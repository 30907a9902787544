/**
 * The cluster behind HAProxy, with real processes on 127.0.0.1: a Node and a Bun backend plus a
 * server that accepts and never answers; the conformance suite judged through the proxy; then one
 * backend killed while clients are answered, and started again. Verdicts and lost replies are
 * asserted, never timings.
 */
import { createServer, type Server, type Socket } from "node:net";
import { type Report, runConformance } from "@bridgekeeper/conformance";
import { canonicalTablePath, loadTableFile } from "@bridgekeeper/spec/table-file";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseBackends } from "../src/backends.js";
import { type Cluster, startCluster } from "../src/cluster.js";
import { runFailover } from "../src/failover.js";
import { checkEntry } from "../src/haproxy-config.js";
import { isAlive, needsHaproxy, skipReason } from "./support.js";

/** Accepts connections and never sends a byte: what a hung server looks like to a health check. */
function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : 0,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

describe.skipIf(skipReason !== null)(needsHaproxy("a Node and a Bun server behind HAProxy"), () => {
  let cluster: Cluster;
  let silent: Awaited<ReturnType<typeof silentServer>>;

  beforeAll(async () => {
    silent = await silentServer();
    cluster = await startCluster({
      backends: parseBackends(`node,bun,127.0.0.1:${silent.port}`),
      limits: { idleTimeoutSec: 10, maxConnections: 256, shutdownTimeoutSec: 10 },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    await silent?.close();
  });

  it("takes out a server that accepts connections but does not answer the health check's question", async () => {
    const states = await cluster.states();
    expect(states.map((s) => [s.name, s.status])).toEqual([
      ["node1", "UP"],
      ["bun1", "UP"],
      ["ext1", "DOWN"],
    ]);
    expect(states[2]?.checkStatus).toMatch(/L7TOUT/);
  });

  it("passes the suite's cases through the proxy as the servers do directly (I = 10 s, C = 256 declared)", async () => {
    const report: Report = await runConformance({
      target: `${cluster.host}:${cluster.port}`,
      limits: { idleTimeoutSec: 10, maxConnections: 256 },
      only: [
        "reply.pipelined",
        "frame.fragmented",
        "flow.slow-reader",
        "close.",
        "idle.timeouts",
        "conn.limit",
      ],
      seed: 16,
    });
    const verdicts = Object.fromEntries(
      report.cases.map((c) => [
        c.id,
        `${c.verdict}${c.message && c.verdict !== "pass" ? `: ${c.message}` : ""}`,
      ]),
    );
    expect(verdicts).toEqual({
      "reply.pipelined": "pass",
      "frame.fragmented": "pass",
      "flow.slow-reader": "pass",
      "close.half-close": "pass",
      "close.half-close-held": "pass",
      "close.reset": "pass",
      "idle.timeouts": "pass",
      "conn.limit": "pass",
    });
    expect(report.exitCode).toBe(0);
  });

  it("fails over: a killed backend is taken out, other clients lose nothing, new ones are served, it is taken back in", async () => {
    const check = checkEntry(await loadTableFile(canonicalTablePath()));
    const killed = cluster.backend("node1").pid as number;
    const report = await runFailover(cluster, {
      victim: "node1",
      question: check.question,
      answer: check.answer,
    });
    expect(isAlive(killed)).toBe(false);
    expect(report.downMs).not.toBeNull();
    expect(report.victims.cut).toBe(report.clientsOnVictim);
    expect(report.survivors.failures).toEqual([]);
    expect(report.clientsOnOthers).toBeGreaterThan(0);
    expect(report.survivors.answersAfterKill).toBeGreaterThan(0);
    expect(report.arrivals.failures).toEqual([]);
    expect(report.arrivals.served).toBeGreaterThan(0);
    expect(report.upMs).not.toBeNull();
    expect(report.backInMs).not.toBeNull();
    expect(cluster.backend("node1").pid).not.toBe(killed);
  });

  it("stops every process it started and frees the frontend's port", async () => {
    const pids = [
      cluster.haproxy.pid,
      ...cluster.backends.map((b) => b.pid).filter((p): p is number => p !== null),
    ];
    expect(pids.every(isAlive)).toBe(true);
    await cluster.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once("error", reject);
      probe.listen(cluster.port, "127.0.0.1", () => probe.close(() => resolve()));
    });
  });
});
