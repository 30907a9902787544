import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 60_000 });
}

describe("launcelot-bench command line", () => {
  it("exits 2 with one line on stderr for a bad flag", () => {
    const result = run(["--target", "node", "--pipeline", "zero"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toEqual([
      'launcelot-bench: --pipeline: "zero" is not a whole number',
    ]);
  });

  it("exits 2 for a target the launcher cannot parse", () => {
    const result = run(["--target", "nodejs"]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain("nodejs");
  });

  it("exits 2 for a table file that does not exist", () => {
    const result = run(["--target", "node", "--table", "/nonexistent/table.json"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("/nonexistent/table.json");
  });

  it("prints usage for --help and exits 0", () => {
    const result = run(["--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--target");
    expect(result.stdout).toContain("--idle N");
  });

  it("runs a tiny benchmark of a baseline end to end and prints JSON", () => {
    const result = run([
      "--target",
      "node-minimal",
      "--loads",
      "2x1",
      "--duration",
      "0.3",
      "--warmup",
      "0.1",
      "--rounds",
      "1",
      "--json",
    ]);
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as {
      loads: { target: string; load: string; summary: { wrong: number } }[];
    };
    expect(report.loads.map((l) => `${l.target} ${l.load}`)).toEqual(["node-minimal 2x1"]);
    expect(report.loads[0]?.summary.wrong).toBe(0);
    expect(result.stderr).toContain("round 1/1");
  });
});
