/**
 * `npm run cluster` as a program: one-line errors, --print-config, and a real run on loopback that
 * prints its frontend, answers through it, and on SIGTERM delivers what the backends owe, exits 0
 * and leaves no process behind.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isAlive, needsHaproxy, skipReason } from "./support.js";

/** The compiled program (tsc -b builds it before the tests). */
const program = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));

function runSync(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [program, ...args], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Collects a child's output; resolves the `listening on` line's port. */
function started(child: ChildProcess): { port: Promise<number>; stderr: () => string } {
  let out = "";
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const port = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 30 s; stderr: ${err}`)), 30_000);
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`exited ${code} before listening; stderr: ${err}`)));
  });
  return { port, stderr: () => err };
}

describe("the cluster command line", () => {
  it("answers a bad flag, a bad limit or a bad backend with one line and exit code 2", () => {
    for (const args of [
      ["--bogus"],
      ["--max-connections", "12"],
      ["--backends", "node,python"],
      ["--print-config"],
    ]) {
      const r = runSync(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(/^launcelot-cluster: /);
    }
  });

  it("prints the rendered configuration for servers elsewhere", () => {
    const r = runSync([
      "--print-config",
      "--backends",
      "10.0.0.1:1060,10.0.0.2:1060",
      "--max-connections",
      "5000",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("server server2 10.0.0.2:1060 check maxconn 5000");
    expect(r.stdout).toContain("fe_conn gt 5000");
  });

  it.skipIf(skipReason !== null)(
    needsHaproxy(
      "runs; on SIGTERM a client in mid-conversation gets every reply and a FIN; no process is left",
    ),
    async () => {
      const child = spawn(
        process.execPath,
        [program, "--backends", "node,bun", "--idle-timeout", "10", "--max-connections", "256"],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      const run = started(child);
      const port = await run.port;
      const pids = [...run.stderr().matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
      expect(pids).toHaveLength(3);
      // 400 pipelined questions (7.6 KB: one read for the backend), SIGTERM once the first reply is here.
      const question = "What is your quest?";
      const answer = "To seek the Holy Grail.";
      const socket = connect({ host: "127.0.0.1", port });
      let received = "";
      const ended = new Promise<void>((resolve) => socket.once("end", () => resolve()));
      socket.on("error", () => undefined);
      socket.on("data", (c: Buffer) => {
        if (received === "") child.kill("SIGTERM");
        received += c.toString();
      });
      socket.write(question.repeat(400));
      await ended;
      socket.destroy();
      expect(received).toBe(answer.repeat(400));
      expect(await exited).toBe(0);
      expect(pids.filter(isAlive)).toEqual([]);
    },
  );
});
