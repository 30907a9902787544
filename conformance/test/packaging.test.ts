/**
 * The packages as a stranger gets them: every publishable workspace package packed, the tarballs
 * installed into an empty folder outside the checkout, and the installed programs run: `npx
 * launcelot-conformance` (--version, --list, a short run against the installed Node server as an
 * exec: target, our servers as `--target node|bun`), the servers' and the bench's bins, and
 * `runConformance()` imported; then the standalone executable the same way, under `env -i` with no
 * node on PATH. A file missing from a tarball fails a run.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { undeclaredImports } from "./packaging/imports.js";
import {
  buildExecutable,
  installInto,
  type PackedPackage,
  pack,
  type Run,
  run,
  temporaryFolder,
  timed,
} from "./packaging/stranger.js";
import { exportTargets, publishablePackages, repoRoot } from "./packaging/workspace.js";

/** Cheap cases from several sections, one with process evidence (resource.descriptors). */
const ONLY = "frame.,reply.,limit.,close.half-close,close.reset,resource.descriptors";
const SEED = "20240613";
const publishable = publishablePackages();
const suiteVersion = publishable.find((p) => p.manifest.name === "@bridgekeeper/conformance")?.manifest
  .version;
const folder = temporaryFolder("bridgekeeper-stranger-");
const app = join(folder.dir, "app");
const exe = join(folder.dir, "exe", "launcelot-conformance");
const times: Record<string, number> = {};
let packed: PackedPackage[] = [];

/** An installed bin through npx, which must not fetch anything (--no). */
function npx(bin: string, args: readonly string[], cwd = app): Run {
  return run("npx", ["--no", "--", bin, ...args], cwd);
}

/** The standalone executable with an environment of nothing but a PATH that holds no node. */
function standalone(args: readonly string[]): Run {
  return run(exe, args, folder.dir, { PATH: join(folder.dir, "empty-bin"), HOME: folder.dir });
}

/** The installed Node server as an exec: target, node named by its path (the executable's PATH has none). */
function installedNodeServer(): string {
  const main = join(app, "node_modules", "@bridgekeeper", "impl-node", "dist", "src", "main.js");
  return `exec:'${process.execPath}' '${main}' --port {port}`;
}

const SHORT_RUN = ["--target", installedNodeServer(), "--only", ONLY, "--seed", SEED, "--reporter", "json"];
let npmShortRun: Run | undefined;

/** The short run of the npm form (run once: the executable's is compared with it). */
function shortRunOfNpmForm(): Run {
  npmShortRun ??= npx("launcelot-conformance", SHORT_RUN);
  return npmShortRun;
}

function verdicts(result: Run): Record<string, string> {
  const report = JSON.parse(result.stdout) as { cases: { id: string; verdict: string }[] };
  return Object.fromEntries(report.cases.map((c) => [c.id, c.verdict]));
}

function reportOf(result: Run): { exitCode: number; table: { name: string; path: string } | null } {
  return JSON.parse(result.stdout);
}

beforeAll(() => {
  mkdirSync(join(folder.dir, "empty-bin"));
  packed = timed(times, "pack", () => pack(publishable, join(folder.dir, "tarballs")));
  const tarballs = packed.map((p) => p.tarball);
  timed(times, "install", () => installInto(app, tarballs));
  timed(times, "build:exe", () => buildExecutable(exe));
}, 180_000);

afterAll(() => {
  console.log(`packaging test, seconds: ${JSON.stringify(times)}`);
  folder.remove();
});

describe("the publishable packages", () => {
  it("are every workspace package that is not private, the suite and both servers among them", () => {
    const names = publishable.map((p) => p.manifest.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "@bridgekeeper/spec",
        "@bridgekeeper/conformance",
        "@bridgekeeper/impl-node",
        "@bridgekeeper/impl-bun",
      ]),
    );
    expect(packed.map((p) => p.name).sort()).toEqual([...names].sort());
  });

  it("declare files, engines, a license and their folder of the repository", () => {
    for (const { folder: dir, manifest } of publishable) {
      expect(manifest.files, manifest.name).toBeDefined();
      expect(manifest.engines?.node, manifest.name).toMatch(/^>=\d+/);
      expect(manifest.license, manifest.name).toBe("MIT");
      expect(manifest.repository, manifest.name).toMatchObject({ type: "git", directory: dir });
    }
  });

  it("ship every bin and export target, bins as compiled JavaScript", () => {
    for (const { manifest } of publishable) {
      const files = new Set(packed.find((p) => p.name === manifest.name)?.files);
      for (const target of Object.values(manifest.bin ?? {})) {
        expect(target, manifest.name).toMatch(/^dist\/.*\.js$/);
        expect(files.has(target), `${manifest.name} bin ${target}`).toBe(true);
      }
      for (const target of exportTargets(manifest.exports))
        expect(files.has(target.replace(/^\.\//, "")), `${manifest.name} export ${target}`).toBe(true);
    }
  });

  it("import only packages they declare", () => {
    for (const { manifest } of publishable) {
      const installed = join(app, "node_modules", ...manifest.name.split("/"));
      expect(undeclaredImports(installed, manifest), manifest.name).toEqual([]);
    }
  });
});

describe("the installed suite (npx launcelot-conformance)", () => {
  it("prints its version and the same case list as the checkout", () => {
    expect(npx("launcelot-conformance", ["--version"]).stdout).toBe(
      `launcelot-conformance ${suiteVersion}\n`,
    );
    const checkout = run(
      process.execPath,
      [join(repoRoot, "conformance/dist/src/cli.js"), "--list"],
      repoRoot,
    );
    const list = npx("launcelot-conformance", ["--list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe(checkout.stdout);
  });

  it("judges the installed Node server as an exec: target with the table inside the spec package", () => {
    const result = shortRunOfNpmForm();
    expect(result.code, result.stderr).toBe(0);
    expect(Object.values(verdicts(result)).length).toBeGreaterThan(5);
    expect(new Set(Object.values(verdicts(result)))).toEqual(new Set(["pass"]));
    const table = reportOf(result).table;
    expect(table?.name).toBe("canonical");
    expect(table?.path).toBe(join(app, "node_modules", "@bridgekeeper", "spec", "tables", "canonical.json"));
  });

  it("finds the installed servers for --target node and --target bun", () => {
    for (const target of ["node", "bun"]) {
      const result = npx("launcelot-conformance", [
        "--target",
        target,
        "--only",
        "reply.lockstep",
        "--reporter",
        "json",
      ]);
      expect(result.code, `${target}: ${result.stderr}`).toBe(0);
      expect(verdicts(result)).toEqual({ "reply.lockstep": "pass" });
    }
  });

  it("runs the servers' own bins, the Bun one under the bun package's binary", () => {
    expect(npx("launcelot-node", ["--version"]).stdout).toMatch(/^launcelot-node \d+\.\d+\.\d+ /);
    expect(npx("launcelot-bun", ["--version"]).stdout).toMatch(/^launcelot-bun \d+\.\d+\.\d+ .*Bun \d/);
  });

  it("runs the installed bench against the installed Node server and its shipped baseline", () => {
    const args = ["--target", "node", "--loads", "1x1", "--duration", "1", "--warmup", "0", "--rounds", "1"];
    const result = timed(times, "bench run", () => npx("launcelot-bench", [...args, "--json"]));
    expect(result.code, result.stderr).toBe(0);
    const bench = JSON.parse(result.stdout) as {
      targets: { label: string; command: string | null }[];
      runs: { target: string; metrics: { answers: number; errors: number; wrong: number } }[];
    };
    expect(bench.targets.map((t) => t.label)).toEqual(["node", "node-minimal"]);
    expect(bench.targets[1]?.command).toContain(
      join(app, "node_modules", "@bridgekeeper", "bench", "baselines"),
    );
    for (const run of bench.runs) expect(run.metrics, run.target).toMatchObject({ errors: 0, wrong: 0 });
    expect(bench.runs.every((r) => r.metrics.answers > 0)).toBe(true);
  });

  it("imports runConformance() and runs it", () => {
    const script = join(app, "judge.mjs");
    writeFileSync(
      script,
      [
        'import { runConformance } from "@bridgekeeper/conformance";',
        `const report = await runConformance({ target: ${JSON.stringify(installedNodeServer())}, only: ["reply.lockstep"] });`,
        "console.log(JSON.stringify(report.cases.map((c) => [c.id, c.verdict])));",
      ].join("\n"),
    );
    const result = run(process.execPath, [script], app);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([["reply.lockstep", "pass"]]);
  });

  it("without the server packages, says in one line which package --target node needs", () => {
    const alone = join(folder.dir, "suite-alone");
    const suiteOnly = packed.filter((p) => !/impl-(node|bun)$/.test(p.name)).map((p) => p.tarball);
    timed(times, "install suite alone", () => installInto(alone, suiteOnly));
    for (const [target, name] of [
      ["node", "@bridgekeeper/impl-node"],
      ["bun", "@bridgekeeper/impl-bun"],
    ] as const) {
      const result = npx("launcelot-conformance", ["--target", target], alone);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining(`npm install ${name}`)]);
    }
  });
});

describe("the standalone executable", () => {
  it("runs with no node on its PATH", () => {
    const env = { PATH: join(folder.dir, "empty-bin") };
    expect(run("/bin/sh", ["-c", "command -v node"], folder.dir, env).code).not.toBe(0);
    expect(existsSync(exe)).toBe(true);
    expect(standalone(["--version"]).stdout).toMatch(
      new RegExp(`^launcelot-conformance ${suiteVersion} \\(standalone executable, Bun \\d`),
    );
  });

  it("lists the same cases as the npm form", () => {
    expect(standalone(["--list"]).stdout).toBe(npx("launcelot-conformance", ["--list"]).stdout);
  });

  it("judges the installed Node server with the verdicts of the npm form, from its embedded canonical table", () => {
    const fromExe = standalone(SHORT_RUN);
    expect(fromExe.code, fromExe.stderr).toBe(0);
    expect(verdicts(fromExe)).toEqual(verdicts(shortRunOfNpmForm()));
    expect(reportOf(fromExe).table).toMatchObject({
      name: "canonical",
      path: "/$bunfs/root/tables/canonical.json",
    });
  });

  it("reads no .env of its working folder (Bun's executables do unless built not to)", () => {
    writeFileSync(join(folder.dir, ".env"), "BRIDGEKEEPER_ENV_MARKER=loaded\n");
    const target = installedNodeServer().replace(
      /^exec:/,
      'exec:test -z "$BRIDGEKEEPER_ENV_MARKER" && exec ',
    );
    const result = standalone(["--target", target, "--only", "reply.lockstep", "--reporter", "json"]);
    expect(result.code, result.stderr).toBe(0);
    expect(verdicts(result)).toEqual({ "reply.lockstep": "pass" });
  });

  it("says in one line that --target node needs the npm packages", () => {
    const result = standalone(["--target", "node"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining("needs the npm packages")]);
  });
});
