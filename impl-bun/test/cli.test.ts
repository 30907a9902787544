/**
 * The Bun entry point as users and tools run it: `bun impl-bun/dist/src/main.js [flags]`.
 * Flags, exit codes, the one listening line, --workers sharing one port, and signals.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { Socket } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMain, startMain, stopAll, tablesDir } from "./harness.js";
import { askOnce, connectTo } from "./wire.js";

afterAll(async () => {
  await stopAll();
});

/** Sockets among a process's open descriptors. */
function socketCount(pid: string): number {
  return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith("socket:");
    } catch {
      return false;
    }
  }).length;
}

/** One question on an open connection; resolves with the answer once `bytes` have arrived. */
function ask(socket: Socket, question: string, bytes: number): Promise<string> {
  return new Promise((resolveAnswer, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("no answer within 20 s")), 20_000);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      text += chunk;
      if (Buffer.byteLength(text) >= bytes) {
        clearTimeout(timer);
        resolveAnswer(text);
      }
    });
    socket.write(question);
  });
}

const invalidTablesDir = join(tablesDir, "..", "invalid-tables");

describe("bun main.js: flags and exit codes", () => {
  it("--help prints the usage to stdout and exits 0", async () => {
    const result = await runMain(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: launcelot-bun \[options\]/);
    expect(result.stdout).toContain("--high-water-mark");
    expect(result.stderr).toBe("");
  });

  it("--version prints one line with the server's and the spec's version", async () => {
    const result = await runMain(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(result.stdout).toMatch(/^launcelot-bun \d+\.\d+\.\d+ \(Launcelot spec \d+\.\d+\.\d+, Bun /);
  });

  it.each([
    [["--bogus"], /unknown option --bogus/],
    [["--port"], /--port needs a value/],
    [["--port", "70000"], /--port must be from 0 to 65535/],
    [["--max-question", "12"], /--max-question must be from 1024/],
    [["--idle-timeout", "5"], /--idle-timeout must be from 10/],
    [["--workers", "0"], /--workers must be from 1/],
    [["stray"], /unexpected argument "stray"/],
    [["--table", "/nonexistent/table.json"], /cannot read the file \(ENOENT\)/],
  ])("bad input %j: one line on stderr, exit 2, nothing on stdout", async (flags, message) => {
    const result = await runMain(flags);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^launcelot-bun: /);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("an invalid table file: one line naming the file and the rule, exit 2", async () => {
    const bad = readdirSync(invalidTablesDir).filter((f) => f.endsWith(".json"));
    expect(bad.length).toBeGreaterThan(0);
    const file = join(invalidTablesDir, bad[0] as string);
    const result = await runMain(["--table", file, "--port", "0"]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
  });
});

describe("bun main.js: serving and signals", () => {
  it("prints exactly one listening line, answers, and exits 0 on SIGTERM", async () => {
    const server = await startMain(["--port", "0"]);
    expect(server.line).toMatch(/^listening on 127\.0\.0\.1:\d+$/);
    expect(await askOnce(server.host, server.port, "What is your name?", 35)).toBe(
      "My name is Sir Lancelot of Camelot.",
    );
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.stdout.all()).toEqual([]);
  });

  it("a second SIGINT within a second is ignored; one a second later exits at once with 130", async () => {
    const server = await startMain(["--port", "0", "--shutdown-timeout", "30"]);
    // A connection the server owes answers to but which never reads keeps the shutdown waiting.
    const socket = await connectTo(server.host, server.port);
    socket.pause();
    socket.write(Buffer.from("What is your name?".repeat(300_000)));
    await new Promise((r) => setTimeout(r, 500));
    let exited: number | undefined;
    void server.exited.then((code) => {
      exited = code;
    });
    server.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    server.child.kill("SIGINT"); // within the window: ignored
    await new Promise((r) => setTimeout(r, 1500));
    expect(exited, "still shutting down gracefully").toBeUndefined();
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(130);
    socket.destroy();
  });
});

describe("bun main.js --workers 2 --port 0", () => {
  it("prints one line, shares the port between two processes, and answers every connection", async () => {
    const server = await startMain(["--workers", "2", "--port", "0"]);
    expect(server.line).toMatch(/^listening on 127\.0\.0\.1:\d+$/);
    const pid = server.child.pid as number;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
    expect(children.filter((c) => c.length > 0)).toHaveLength(1);
    const worker = children[0] as string;
    const before = [socketCount(String(pid)), socketCount(worker)];
    // 64 connections held open at once: SO_REUSEPORT spreads them over both processes.
    const sockets = await Promise.all(Array.from({ length: 64 }, () => connectTo(server.host, server.port)));
    const answers = await Promise.all(sockets.map((s) => ask(s, "What is your quest?", 23)));
    expect(answers.every((a) => a === "To seek the Holy Grail.")).toBe(true);
    const after = [socketCount(String(pid)), socketCount(worker)];
    for (const s of sockets) s.destroy();
    expect(after[0], "the first process holds some connections").toBeGreaterThan(before[0] as number);
    expect(after[1], "the worker holds some connections").toBeGreaterThan(before[1] as number);
    expect((after[0] as number) + (after[1] as number) - (before[0] as number) - (before[1] as number)).toBe(
      64,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(server.stdout.all()).toEqual([]); // the one line was the only one
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      try {
        readFileSync(`/proc/${worker}/status`);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        gone = true;
      }
    }
    expect(gone, "the worker exited with the first process").toBe(true);
  });
});
