/** The compiled CLI as a user runs it: exit codes, one-line errors, Ctrl-C. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const conformanceCli = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));

const correctServer = resolve(import.meta.dirname, "servers", "python", "correct.py");

function cli(args: string[]) {
  const run = spawnSync(process.execPath, [conformanceCli, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function processesWithEnv(marker: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (environ.includes(marker)) count++;
  }
  return count;
}

describe("launcelot-conformance CLI", () => {
  it("prints help, version and the case list with exit 0", () => {
    expect(cli(["--help"])).toMatchObject({ code: 0 });
    expect(cli(["--version"]).stdout).toMatch(/^launcelot-conformance \d+\.\d+\.\d+/);
    const list = cli(["--list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain("flow.slow-reader");
    expect(list.stdout).toContain("rule coverage:");
  });

  it("exits 2 with one line and no stack trace for usage and setup errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cli-"));
    const badTable = join(dir, "bad.json");
    await writeFile(
      badTable,
      JSON.stringify({ name: "bad", entries: [{ question: "No mark", answer: "x." }] }),
    );
    const cases: Array<[string[], RegExp]> = [
      [["--target", "bun", "--bogus"], /E_USAGE/],
      [["--target", "nonsense"], /E_USAGE/],
      [["--target", "127.0.0.1:9", "--max-question", "100"], /--max-question must be from 1024 to 65536/],
      [["--target", "127.0.0.1:9", "--only", "no-such-thing"], /E_USAGE/],
      [["--target", "127.0.0.1:9", "--table", badTable], /E_TABLE_INVALID/],
      [["--target", "127.0.0.1:9", "--replay", "nope"], /E_REPLAY_INVALID/],
      [["--target", "exec:exit 4", "--start-timeout", "5000"], /E_TARGET_EXITED/],
      [["--target", "127.0.0.1:9"], /E_TARGET_UNREACHABLE/],
    ];
    for (const [args, pattern] of cases) {
      const run = cli(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(pattern);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  }, 90_000);

  it("on Ctrl-C stops the clients and the launched target, and still writes the report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cli-"));
    const out = join(dir, "report.json");
    const marker = `CONFORMANCE_TEST_MARKER_${process.pid}_${Date.now()}`;
    const child = spawn(
      process.execPath,
      [
        conformanceCli,
        "--target",
        `exec:${marker}=1 python3 ${correctServer} --port {port} --idle-timeout 10`,
        "--idle-timeout",
        "10",
        "--only",
        "reply.lockstep,idle.timeouts",
        "--reporter",
        "json",
        "--out",
        out,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    for (let i = 0; i < 100 && !stderr.includes("reply.lockstep"); i++) await sleep(100);
    await sleep(1000);
    expect(await processesWithEnv(marker)).toBeGreaterThan(0);
    child.kill("SIGINT");
    const code = await Promise.race([exited, sleep(30_000).then(() => "timeout" as const)]);
    if (code === "timeout") child.kill("SIGKILL");
    expect(code).toBe(3);
    const report = JSON.parse(await readFile(out, "utf8")) as {
      incomplete: boolean;
      incompleteReason: string;
      cases: Array<{ id: string; verdict: string }>;
    };
    expect(report.incomplete).toBe(true);
    expect(report.incompleteReason).toBe("interrupted");
    expect(report.cases[0]).toMatchObject({ id: "reply.lockstep", verdict: "pass" });
    expect(await processesWithEnv(marker)).toBe(0);
  }, 60_000);
});
