import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { UsageError } from "@bridgekeeper/spec";
import { afterEach, describe, expect, it } from "vitest";
import { TargetExitedError, TargetNotListeningError } from "../src/errors.js";
import { freePort, type LaunchedTarget, launchTarget, parseTarget } from "../src/target.js";

const correctServer = resolve(import.meta.dirname, "servers", "python", "correct.py");

describe("parseTarget", () => {
  it("knows our servers, addresses and exec commands", () => {
    expect(parseTarget("node")).toEqual({ kind: "node", text: "node" });
    expect(parseTarget("bun")).toEqual({ kind: "bun", text: "bun" });
    expect(parseTarget("127.0.0.1:1060")).toMatchObject({ kind: "address", host: "127.0.0.1", port: 1060 });
    expect(parseTarget("tcp://localhost:8080")).toMatchObject({
      kind: "address",
      host: "localhost",
      port: 8080,
    });
    expect(parseTarget("[::1]:1060")).toMatchObject({ kind: "address", host: "::1", port: 1060 });
    expect(parseTarget("tcp://[::1]:9")).toMatchObject({ kind: "address", host: "::1", port: 9 });
    expect(parseTarget("exec:cd x && ./server --port {port}")).toMatchObject({
      kind: "exec",
      command: "cd x && ./server --port {port}",
    });
  });

  it("rejects everything else with E_USAGE", () => {
    for (const bad of [
      "",
      "deno",
      "host",
      "host:0",
      "host:70000",
      "tcp://host",
      "exec:",
      "exec:   ",
      "http://x:1",
    ]) {
      expect(() => parseTarget(bad), bad).toThrow(UsageError);
    }
  });
});

describe("launchTarget", () => {
  let launched: LaunchedTarget | undefined;
  afterEach(async () => {
    await launched?.stop();
    launched = undefined;
  });

  it("reports a target that exits before listening, with the tail of its output", async () => {
    const error = await launchTarget(parseTarget("exec:echo boom-marker >&2; exit 3"), {
      startTimeoutMs: 10_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetExitedError);
    expect((error as TargetExitedError).code).toBe("E_TARGET_EXITED");
    expect((error as TargetExitedError).message).toContain("exit code 3");
    expect((error as TargetExitedError).outputTail).toContain("boom-marker");
  });

  it("gives up on a target that never listens, and stops it", async () => {
    const error = await launchTarget(parseTarget("exec:echo waiting-marker; sleep 30"), {
      startTimeoutMs: 1500,
      stopTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetNotListeningError);
    expect((error as TargetNotListeningError).code).toBe("E_TARGET_NOT_LISTENING");
    expect((error as TargetNotListeningError).outputTail).toContain("waiting-marker");
  });

  it("launches an exec command on a free port, shows its process evidence, and stops its group", async () => {
    launched = await launchTarget(parseTarget(`exec:python3 ${correctServer} --port {port}`), {
      startTimeoutMs: 20_000,
    });
    expect(launched.launched).toBe(true);
    expect(launched.port).toBeGreaterThan(0);
    const evidence = await launched.processEvidence();
    expect(evidence).not.toBeNull();
    expect(evidence?.fds).toBeGreaterThan(2);
    expect(evidence?.rssBytes).toBeGreaterThan(1024 * 1024);
    await launched.stop();
    expect(launched.exitStatus()).not.toBeNull();
    expect(await launched.processEvidence()).toBeNull();
  });

  it("wraps an address without launching anything", async () => {
    launched = await launchTarget(parseTarget("127.0.0.1:9"));
    expect(launched.launched).toBe(false);
    expect(await launched.processEvidence()).toBeNull();
  });
});

describe("freePort", () => {
  it("gives a bindable port below the kernel's ephemeral range, where no outgoing connection takes it", async () => {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    for (let i = 0; i < 5; i++) {
      const port = await freePort();
      expect(port).toBeGreaterThanOrEqual(10000);
      expect(port).toBeLessThan(low);
      const server = createServer();
      await new Promise<void>((done, fail) => {
        server.once("error", fail);
        server.listen(port, "127.0.0.1", done);
      });
      await new Promise((done) => server.close(done));
    }
  });
});
