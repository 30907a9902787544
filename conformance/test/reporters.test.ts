import { spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/args.js";
import { checkReportFiles, parseReporterSpecs, showsProgress } from "../src/reporters.js";

const conformanceCli = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));

function usage(values: string[], out?: string): string {
  try {
    parseReporterSpecs(values, out);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("E_USAGE");
    expect((error as Error).message).not.toContain("\n");
    return (error as Error).message;
  }
  throw new Error(`accepted ${values.join(" ")} --out ${out}`);
}

describe("--reporter values", () => {
  it("default to pretty on stdout, or to --out", () => {
    expect(parseReporterSpecs([])).toEqual([{ name: "pretty" }]);
    expect(parseReporterSpecs([], "r.txt")).toEqual([{ name: "pretty", file: "r.txt" }]);
    expect(parseReporterSpecs(["html"], "r.html")).toEqual([{ name: "html", file: "r.html" }]);
  });

  it("take several reporters, each to its file, one at most on stdout", () => {
    expect(
      parseReporterSpecs(["pretty", "json:report.json", "junit:report.xml", "html:out/r:1.html"]),
    ).toEqual([
      { name: "pretty" },
      { name: "json", file: "report.json" },
      { name: "junit", file: "report.xml" },
      { name: "html", file: "out/r:1.html" },
    ]);
    expect(
      parseArgs(["--target", "bun", "--reporter", "json:a.json", "--reporter=html:a.html"]).reporters,
    ).toEqual([
      { name: "json", file: "a.json" },
      { name: "html", file: "a.html" },
    ]);
  });

  it("refuse unknown names, empty files, two on stdout, one file twice, and --out with several", () => {
    expect(usage(["xml"])).toContain("pretty, json, junit or html");
    expect(usage(["html:"])).toContain("needs a file name");
    expect(usage(["pretty", "json"])).toContain("only one report can go to standard output");
    expect(usage(["json:r", "html:./r"])).toContain("same file");
    expect(usage(["pretty", "json:r.json"], "x")).toContain("--out goes with a single bare --reporter");
    expect(usage(["json:r.json"], "x")).toContain("--out goes with a single bare --reporter");
  });

  it("show progress unless the only report is pretty on stdout", () => {
    expect(showsProgress([{ name: "pretty" }])).toBe(false);
    expect(showsProgress([{ name: "pretty" }, { name: "html", file: "r.html" }])).toBe(true);
    expect(showsProgress([{ name: "json" }])).toBe(true);
  });

  it("refuse, before the run, a report file in a folder that does not exist", () => {
    expect(() => checkReportFiles([{ name: "html", file: "/no/such/folder/r.html" }])).toThrow(
      /cannot write \/no\/such\/folder\/r.html: no folder \/no\/such\/folder/,
    );
    expect(() => checkReportFiles([{ name: "pretty" }, { name: "json", file: "r.json" }])).not.toThrow();
  });
});

describe("several reporters in one run of the CLI", () => {
  it("write pretty on stdout and JSON, JUnit and HTML files, all of the same run", async () => {
    const dir = await mkdtemp(join(tmpdir(), "reporters-"));
    const files = { json: join(dir, "r.json"), junit: join(dir, "r.xml"), html: join(dir, "r.html") };
    const run = spawnSync(
      process.execPath,
      [
        conformanceCli,
        "--target",
        "exec:exit 4",
        "--start-timeout",
        "5000",
        "--reporter",
        "pretty",
        "--reporter",
        `json:${files.json}`,
        "--reporter",
        `junit:${files.junit}`,
        "--reporter",
        `html:${files.html}`,
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    const json = JSON.parse(await readFile(files.json, "utf8")) as {
      setupError: { code: string };
      seed: number;
    };
    expect(json.setupError.code).toBe("E_TARGET_EXITED");
    expect(await readFile(files.junit, "utf8")).toContain('type="E_TARGET_EXITED"');
    const html = await readFile(files.html, "utf8");
    expect(html).toContain("usage or setup error");
    expect(html).toContain(`<dt>seed</dt><dd>${json.seed} `);
  });
});
