/**
 * No run ends without a report and an exit status that says what happened: servers that die at
 * once on SIGTERM or ignore it, a broken server that also dies on SIGTERM, a run whose event loop
 * empties mid-case, and a setup error. Every run here is the compiled CLI as a user runs it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const conformanceCli = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));

import type { Report } from "../src/report.js";

const servers = resolve(import.meta.dirname, "servers", "python");
const hangingCli = resolve(import.meta.dirname, "fixtures", "cli-with-a-hanging-case.mjs");
const LIMIT_FLAGS = ["--idle-timeout", "10", "--max-connections", "256"];

function pythonTarget(script: string, onSigterm: "exit" | "ignore"): string {
  return `exec:exec python3 ${join(servers, script)} --port {port} --on-sigterm ${onSigterm} ${LIMIT_FLAGS.join(" ")}`;
}

interface Finished {
  readonly code: number | null;
  readonly stderr: string;
  readonly report: Report | undefined;
}

/** Runs a CLI program with a JSON report to a fresh file; resolves with its status and the report. */
async function runCli(program: string, args: readonly string[]): Promise<Finished> {
  const out = join(await mkdtemp(join(tmpdir(), "run-endings-")), "report.json");
  const child = spawn(process.execPath, [program, ...args, "--reporter", "json", "--out", out], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.once("exit", (status) => done(status)));
  const text = await readFile(out, "utf8").catch(() => undefined);
  return { code, stderr, report: text === undefined ? undefined : (JSON.parse(text) as Report) };
}

function verdicts(report: Report | undefined): string[] {
  return (report?.cases ?? []).map(
    (c) => `${c.id}: ${c.verdict}${c.violatedRule ? ` ${c.violatedRule}` : ""}`,
  );
}

describe.concurrent("runs against servers that do not shut down gracefully", () => {
  it("a correct server that dies at once on SIGTERM: the full run writes its report with a SHUTDOWN-1 warning, exit 0", async () => {
    const run = await runCli(conformanceCli, [
      "--target",
      pythonTarget("correct.py", "exit"),
      ...LIMIT_FLAGS,
    ]);
    expect(run.report, run.stderr).toBeDefined();
    const shutdown = run.report?.cases.find((c) => c.id === "shutdown.graceful");
    expect(shutdown, verdicts(run.report).join("\n")).toMatchObject({
      verdict: "warn",
      violatedRule: "SHUTDOWN-1",
    });
    expect(shutdown?.message).toMatch(/questions it had read.*then the connection was (reset|closed)/);
    expect(shutdown?.message).toMatch(/the process (exit code 143|killed by SIGTERM)/);
    expect(verdicts(run.report).filter((v) => !v.endsWith(": pass") && !v.startsWith("shutdown."))).toEqual(
      [],
    );
    expect(run.report).toMatchObject({ incomplete: false, exitCode: 0 });
    expect(run.code).toBe(0);
  }, 240_000);

  it("a correct server that ignores SIGTERM: the full run writes its report with a SHUTDOWN-1 warning, exit 0", async () => {
    const run = await runCli(conformanceCli, [
      "--target",
      pythonTarget("correct.py", "ignore"),
      ...LIMIT_FLAGS,
      "--shutdown-timeout",
      "2",
    ]);
    const shutdown = run.report?.cases.find((c) => c.id === "shutdown.graceful");
    expect(shutdown, run.stderr).toMatchObject({ verdict: "warn", violatedRule: "SHUTDOWN-1" });
    expect(shutdown?.message).toContain("still running");
    expect(shutdown?.evidence?.exit).toBe("still running");
    expect(run.report).toMatchObject({ incomplete: false, exitCode: 0 });
    expect(run.code).toBe(0);
  }, 240_000);

  it("under --strict the same SHUTDOWN-1 violation fails the run: exit 1", async () => {
    const run = await runCli(conformanceCli, [
      "--target",
      pythonTarget("correct.py", "exit"),
      ...LIMIT_FLAGS,
      "--only",
      "shutdown.graceful",
      "--strict",
    ]);
    expect(verdicts(run.report), run.stderr).toEqual(["shutdown.graceful: fail SHUTDOWN-1"]);
    expect(run.code).toBe(1);
  }, 120_000);

  it("a broken server that also dies at once on SIGTERM: exit 1, with every earlier failure in the report", async () => {
    const run = await runCli(conformanceCli, [
      "--target",
      pythonTarget("fin_closes.py", "exit"),
      ...LIMIT_FLAGS,
      "--timeout",
      "2000",
    ]);
    const all = verdicts(run.report);
    // The FIN that drops held replies: caught for sure by the held half-close, by the other when a
    // question and the FIN arrive together.
    expect(all, run.stderr).toContain("close.half-close-held: fail HALF-1");
    expect(all).toContain("shutdown.graceful: warn SHUTDOWN-1");
    expect(all.length).toBeGreaterThanOrEqual(21);
    expect(run.report).toMatchObject({ incomplete: false, exitCode: 1 });
    expect(run.code).toBe(1);
  }, 300_000);
});

describe("runs that stop short", () => {
  it("when the event loop empties mid-run, writes the report so far, marked incomplete, and exits 3", async () => {
    const run = await runCli(hangingCli, [
      "--target",
      `exec:exec python3 ${join(servers, "correct.py")} --port {port}`,
      "--only",
      "reply.lockstep,test.returns-with-target-gone",
    ]);
    expect(run.code, run.stderr).toBe(3);
    expect(run.report?.incomplete).toBe(true);
    expect(run.report?.incompleteReason).toMatch(/stopped before its end/);
    expect(run.report?.exitCode).toBe(3);
    expect(verdicts(run.report)).toEqual(["reply.lockstep: pass"]);
  }, 60_000);

  it("a setup error still writes a report, with the error, where --out points, and exits 2", async () => {
    const run = await runCli(conformanceCli, ["--target", "exec:exit 4", "--start-timeout", "5000"]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.report?.setupError).toMatchObject({ code: "E_TARGET_EXITED" });
    expect(run.report?.setupError?.message).toMatch(/exited before listening \(exit code 4\)/);
    expect(run.report).toMatchObject({ incomplete: true, exitCode: 2, cases: [] });
  }, 30_000);
});
