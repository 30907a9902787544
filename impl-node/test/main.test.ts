/**
 * The compiled entry point as users run it (`node impl-node/dist/src/main.js`): help and version,
 * exit code 2 with one line for bad flags and tables, the `listening on` line (IPv4 and IPv6), and
 * --workers 2 on one shared port.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SPEC_VERSION } from "@bridgekeeper/spec";
import { afterAll, describe, expect, it } from "vitest";
import { Collected, connect, waitFor } from "./helpers.js";

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const mainScript = join(packageDir, "dist", "src", "main.js");
const invalidTables = join(packageDir, "..", "fixtures", "invalid-tables");
const version = (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { version: string })
  .version;

interface Run {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

function run(args: readonly string[]): Run {
  const child = spawn(process.execPath, [mainScript, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const result: Run = {
    child,
    stdout: "",
    stderr: "",
    exit: new Promise((resolveExit) =>
      child.on("exit", (code, signal) => {
        children.delete(child);
        resolveExit({ code, signal });
      }),
    ),
  };
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    result.stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    result.stderr += text;
  });
  return result;
}

async function listening(r: Run): Promise<{ host: string; port: number }> {
  const ok = await waitFor(() => r.stdout.includes("\n") || r.child.exitCode !== null, 20_000);
  const match = /^listening on (\[[^\]]+\]|[^:\s]+):(\d+)\n$/.exec(r.stdout);
  if (!ok || !match)
    throw new Error(`no listening line; stdout ${JSON.stringify(r.stdout)}, stderr ${r.stderr}`);
  return { host: (match[1] as string).replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) =>
  (list ?? []).some((a) => a.family === "IPv6" && a.address === "::1"),
);

describe("launcelot-node (compiled main)", () => {
  it("prints the usage on --help and exits 0", async () => {
    const r = run(["--help"]);
    expect((await r.exit).code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: launcelot-node \[options\]/);
    for (const flag of ["--host", "--port", "--table", "--workers", "--max-question", "--high-water-mark"]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stderr).toBe("");
  });

  it("prints its version and the spec's on --version", async () => {
    const r = run(["--version"]);
    expect((await r.exit).code).toBe(0);
    expect(r.stdout).toBe(`launcelot-node ${version} (Launcelot spec ${SPEC_VERSION})\n`);
  });

  it.each([
    [["--port", "70000"], /--port must be from 0 to 65535/],
    [["--workers", "0"], /--workers must be from 1/],
    [["--high-water-mark", "1KiB"], /--high-water-mark must be from/],
    [["--host"], /--host needs a value/],
    [["extra"], /unexpected argument "extra"/],
    [["--table", join(invalidTables, "question-two-marks.json")], /question-two-marks\.json: TABLE-1/],
    [["--table", join(invalidTables, "not-utf8.json")], /not valid UTF-8/],
  ])("exits 2 with one line for %j", async (args, message) => {
    const r = run(args);
    expect((await r.exit).code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.endsWith("\n")).toBe(true);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^launcelot-node: /);
    expect(r.stderr).toMatch(message);
  });

  it("exits 1 with one line when the address is in use", async () => {
    const first = run(["--port", "0"]);
    const { port } = await listening(first);
    const second = run(["--port", String(port)]);
    expect((await second.exit).code).toBe(1);
    expect(second.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(/^launcelot-node: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    first.child.kill("SIGTERM");
    expect((await first.exit).code).toBe(0);
  });

  it("prints exactly one line, `listening on 127.0.0.1:PORT`, and serves", async () => {
    const r = run(["--port", "0"]);
    const { host, port } = await listening(r);
    expect(host).toBe("127.0.0.1");
    const socket = await connect(port);
    const got = new Collected(socket);
    socket.write("What is your favorite color?");
    expect(await waitFor(() => got.length >= 5)).toBe(true);
    expect(got.text()).toBe("Blue.");
    socket.destroy();
    r.child.kill("SIGTERM");
    expect(await r.exit).toEqual({ code: 0, signal: null });
    expect(r.stdout.split("\n").filter((l) => l !== "")).toHaveLength(1);
  });

  it("applies the limit flags: --max-question 1024 makes a 1025-byte question too long", async () => {
    const r = run([
      "--port",
      "0",
      "--max-question",
      "1024",
      "--high-water-mark",
      "16KiB",
      "--idle-timeout",
      "10",
    ]);
    const { port } = await listening(r);
    const ok = await connect(port);
    const okGot = new Collected(ok);
    ok.write(`${"a".repeat(1023)}?`);
    expect(await waitFor(() => okGot.length >= 18)).toBe(true);
    expect(okGot.text()).toBe("I don't know that.");
    const long = await connect(port);
    const longGot = new Collected(long);
    long.write(`${"a".repeat(1024)}?`);
    expect(await waitFor(() => longGot.ended)).toBe(true);
    expect(longGot.text()).toBe("Your question is too long.");
    ok.destroy();
    long.destroy();
    r.child.kill("SIGTERM");
    expect((await r.exit).code).toBe(0);
  });

  it.skipIf(!hasIpv6Loopback)(
    "listens on IPv6 [::1] and prints the address in brackets (skipped when the host has no ::1)",
    async () => {
      const r = run(["--host", "::1", "--port", "0"]);
      const { host, port } = await listening(r);
      expect(r.stdout).toMatch(/^listening on \[::1\]:\d+\n$/);
      const socket = await connect(port, host);
      const got = new Collected(socket);
      socket.write("What is your quest?");
      expect(await waitFor(() => got.length >= 23)).toBe(true);
      expect(got.text()).toBe("To seek the Holy Grail.");
      socket.destroy();
      r.child.kill("SIGTERM");
      expect((await r.exit).code).toBe(0);
    },
  );

  it("with --workers 2 --port 0 prints one line once both workers listen, and both serve", async () => {
    const r = run(["--workers", "2", "--port", "0"]);
    const { port } = await listening(r);
    // Each worker also logs its own line to stderr; it may come just after the primary's stdout line.
    const listeningWorkers = () => [...r.stderr.matchAll(/worker (\d+): listening/g)].map((m) => m[1]);
    await waitFor(() => listeningWorkers().length >= 2, 10_000);
    const workerPids = listeningWorkers();
    expect(new Set(workerPids).size).toBe(2);
    const sockets = [];
    for (let i = 0; i < 8; i++) {
      const socket = await connect(port);
      const got = new Collected(socket);
      socket.write("What is your name?");
      sockets.push({ socket, got });
    }
    for (const { got } of sockets) {
      expect(await waitFor(() => got.length >= 35)).toBe(true);
      expect(got.text()).toBe("My name is Sir Lancelot of Camelot.");
    }
    for (const { socket } of sockets) socket.destroy();
    r.child.kill("SIGTERM");
    expect(await r.exit).toEqual({ code: 0, signal: null });
    expect(r.stdout.split("\n").filter((l) => l !== "")).toHaveLength(1);
    // Each worker reports at shutdown how many connections it served: both served some.
    const served = [...r.stderr.matchAll(/worker (\d+): stopped after (\d+) connections/g)];
    expect(new Set(served.map((m) => m[1]))).toEqual(new Set(workerPids));
    for (const m of served) expect(Number(m[2])).toBeGreaterThan(0);
  });
});
