/**
 * The command-line interface both servers share, run as users run it (`node impl-node/dist/src/main.js`,
 * `bun impl-bun/dist/src/main.js`): --help and --version, exit code 2 with one line on stderr for bad
 * flags and tables, exit 1 when the address is in use, the one `listening on` line (IPv4 and IPv6),
 * the limit flags, and --workers 2 on one shared port (with each runtime's evidence that both
 * processes serve: Node's cluster workers report on stderr, Bun's processes hold the sockets).
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { SPEC_VERSION } from "@bridgekeeper/spec";
import { afterAll, describe, expect, it } from "vitest";
import {
  fixturesDir,
  launchServer,
  repoRoot,
  runToExit,
  SERVER_KINDS,
  type ServerKind,
  stopAll,
} from "./harness.js";
import {
  A_COLOR,
  A_NAME,
  A_QUEST,
  ask,
  askOnce,
  COLOR,
  connect,
  NAME,
  QUEST,
  Received,
  sleep,
  TOO_LONG,
  waitUntil,
} from "./wire.js";

const EXITED_CLEANLY = { code: 0, signal: null };
const invalidTables = join(fixturesDir, "invalid-tables");

const hasIpv6Loopback = Object.values(networkInterfaces()).some((list) =>
  (list ?? []).some((a) => a.family === "IPv6" && a.address === "::1"),
);

function packageVersion(kind: ServerKind): string {
  const file = join(repoRoot, `impl-${kind}`, "package.json");
  return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
}

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

function processGone(pid: string): boolean {
  try {
    readFileSync(`/proc/${pid}/status`);
    return false;
  } catch {
    return true;
  }
}

afterAll(async () => {
  await stopAll();
});

describe.each(SERVER_KINDS)("launcelot-%s entry point", (kind) => {
  const program = `launcelot-${kind}`;

  it("prints the usage on --help and exits 0", async () => {
    const result = await runToExit(kind, ["--help"]);
    expect(result.exit).toEqual(EXITED_CLEANLY);
    const usage = result.stdout.join("\n");
    expect(usage).toMatch(new RegExp(`^Usage: ${program} \\[options\\]`));
    for (const flag of ["--host", "--port", "--table", "--workers", "--max-question", "--high-water-mark"]) {
      expect(usage).toContain(flag);
    }
    expect(result.stderr).toBe("");
  });

  it("prints one line with its version and the spec's on --version", async () => {
    const result = await runToExit(kind, ["--version"]);
    expect(result.exit).toEqual(EXITED_CLEANLY);
    expect(result.stdout).toHaveLength(1);
    const line = result.stdout[0] as string;
    const prefix = `${program} ${packageVersion(kind)} (Launcelot spec ${SPEC_VERSION}`;
    // Node's line ends there; Bun's names its runtime too.
    if (kind === "node") expect(line).toBe(`${prefix})`);
    else expect(line).toMatch(new RegExp(`^${prefix.replace(/[.()]/g, "\\$&")}, Bun \\d+\\.\\d+\\.\\d+\\)$`));
  });

  it.each([
    [["--bogus"], /unknown flag --bogus \(see --help\)/],
    [["--port"], /--port needs a value/],
    [["--host"], /--host needs a value/],
    [["--port", "70000"], /--port must be from 0 to 65535/],
    [["--port", "nope"], /--port expects a whole number/],
    [["--max-question", "12"], /--max-question must be from 1024/],
    [["--idle-timeout", "5"], /--idle-timeout must be from 10/],
    [["--workers", "0"], /--workers must be from 1/],
    [["--high-water-mark", "1KiB"], /--high-water-mark must be from/],
    [["stray"], /unexpected argument "stray"/],
    [["--table", "/nonexistent/table.json"], /cannot read the file \(ENOENT\)/],
    [["--table", join(fixturesDir, "tables")], /tables: cannot read the file \(EISDIR\)/],
    [["--table", join(invalidTables, "question-two-marks.json")], /question-two-marks\.json: TABLE-1/],
    [["--table", join(invalidTables, "not-utf8.json")], /not valid UTF-8/],
    [["--table", join(invalidTables, "not-json.json")], /not-json\.json: not valid JSON/],
  ])("bad input %j: one line on stderr, exit 2, nothing on stdout", async (flags, message) => {
    const result = await runToExit(kind, flags);
    expect(result.exit).toEqual({ code: 2, signal: null });
    expect(result.stdout).toEqual([]);
    expect(result.stderr.endsWith("\n")).toBe(true);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${program}: `));
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("an invalid table file: one line naming the file, exit 2", async () => {
    const bad = readdirSync(invalidTables).filter((f) => f.endsWith(".json"));
    expect(bad.length).toBeGreaterThan(0);
    const file = join(invalidTables, bad[0] as string);
    const result = await runToExit(kind, ["--table", file, "--port", "0"]);
    expect(result.exit).toEqual({ code: 2, signal: null });
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
  });

  it("exits 1 with one line when the address is in use", async () => {
    const first = await launchServer(kind, [], "main");
    const second = await runToExit(kind, ["--port", String(first.port)]);
    expect(second.exit).toEqual({ code: 1, signal: null });
    expect(second.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(
      new RegExp(`^${program}: cannot listen on 127\\.0\\.0\\.1:\\d+: .*EADDRINUSE`),
    );
    first.kill("SIGTERM");
    expect(await first.exitedWithin(20_000)).toEqual(EXITED_CLEANLY);
  });

  it("prints exactly one line, `listening on 127.0.0.1:PORT`, serves, and exits 0 on SIGTERM", async () => {
    const server = await launchServer(kind, [], "main");
    expect(server.line).toMatch(/^listening on 127\.0\.0\.1:\d+$/);
    expect(server.host).toBe("127.0.0.1");
    expect(await askOnce(server.port, COLOR, A_COLOR)).toBe(A_COLOR);
    expect(await askOnce(server.port, NAME, A_NAME)).toBe(A_NAME);
    server.kill("SIGTERM");
    expect(await server.exitedWithin(20_000)).toEqual(EXITED_CLEANLY);
    expect(await server.stdoutEnded(5000)).toBe(true);
    expect(server.stdoutLines()).toEqual([server.line]);
  });

  it("applies the limit flags: --max-question 1024 makes a 1025-byte question too long", async () => {
    const flags = ["--max-question", "1024", "--high-water-mark", "16KiB", "--idle-timeout", "10"];
    const server = await launchServer(kind, flags, "main");
    expect(await askOnce(server.port, `${"a".repeat(1023)}?`, "I don't know that.")).toBe(
      "I don't know that.",
    );
    const long = await connect(server.port);
    const longReceived = new Received(long);
    long.write(`${"a".repeat(1024)}?`);
    expect(await longReceived.end(20_000)).toBe(true);
    expect(longReceived.text()).toBe(TOO_LONG);
    long.destroy();
    server.kill("SIGTERM");
    expect((await server.exitedWithin(20_000))?.code).toBe(0);
  });

  it.skipIf(!hasIpv6Loopback)(
    "listens on IPv6 [::1] and prints the address in brackets (skipped when the host has no ::1)",
    async () => {
      const server = await launchServer(kind, ["--host", "::1"], "main");
      expect(server.line).toMatch(/^listening on \[::1\]:\d+$/);
      expect(server.host).toBe("::1");
      expect(await askOnce(server.port, QUEST, A_QUEST, server.host)).toBe(A_QUEST);
      server.kill("SIGTERM");
      expect((await server.exitedWithin(20_000))?.code).toBe(0);
    },
  );

  it("with --workers 2 --port 0 prints one line, shares the port between two processes that both serve, and exits 0", async () => {
    const server = await launchServer(kind, ["--workers", "2", "--port", "0"], "main");
    expect(server.line).toMatch(/^listening on 127\.0\.0\.1:\d+$/);
    const pid = String(server.pid);
    // Node: a primary and two cluster workers, each logging `worker PID: listening` to stderr.
    const listeningWorkers = (): string[] =>
      [...server.stderrText().matchAll(/worker (\d+): listening/g)].map((m) => m[1] as string);
    // Bun: the first process serves too and starts one more on the same port (SO_REUSEPORT).
    let bunWorker = "";
    let socketsBefore: number[] = [];
    if (kind === "node") {
      await waitUntil(() => listeningWorkers().length >= 2, 10_000);
      expect(new Set(listeningWorkers()).size).toBe(2);
    } else {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/);
      expect(children.filter((c) => c.length > 0)).toHaveLength(1);
      bunWorker = children[0] as string;
      socketsBefore = [socketCount(pid), socketCount(bunWorker)];
    }

    // 64 connections held open at once, each answered.
    const sockets = await Promise.all(Array.from({ length: 64 }, () => connect(server.port)));
    const answers = await Promise.all(sockets.map((s) => ask(s, new Received(s), QUEST, A_QUEST)));
    expect(answers.every((a) => a === A_QUEST)).toBe(true);
    if (kind === "bun") {
      const [firstBefore, workerBefore] = socketsBefore as [number, number];
      const firstAfter = socketCount(pid);
      const workerAfter = socketCount(bunWorker);
      expect(firstAfter, "the first process holds some connections").toBeGreaterThan(firstBefore);
      expect(workerAfter, "the worker holds some connections").toBeGreaterThan(workerBefore);
      expect(firstAfter + workerAfter - firstBefore - workerBefore).toBe(64);
    }
    for (const s of sockets) s.destroy();
    await sleep(300);
    expect(server.stdoutLines()).toEqual([server.line]); // the one line was the only one

    server.kill("SIGTERM");
    expect(await server.exitedWithin(20_000)).toEqual(EXITED_CLEANLY);
    expect(await server.stdoutEnded(5000)).toBe(true);
    expect(server.stdoutLines()).toEqual([server.line]);
    if (kind === "node") {
      // Each worker reports at shutdown how many connections it served: both served some.
      const served = [...server.stderrText().matchAll(/worker (\d+): stopped after (\d+) connections/g)];
      expect(new Set(served.map((m) => m[1]))).toEqual(new Set(listeningWorkers()));
      for (const m of served) expect(Number(m[2])).toBeGreaterThan(0);
    } else {
      expect(
        await waitUntil(() => processGone(bunWorker), 5000),
        "the worker exited with the first process",
      ).toBe(true);
    }
  });
});
