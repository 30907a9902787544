#!/usr/bin/env node
// The standalone executable of the suite, launcelot-conformance for Linux x64: `npm run build:exe`
// (after the build), or `node conformance/scripts/build-exe.mjs [--outfile FILE]`. It is
// `bun build --compile` of the built program (dist/src/cli.js) with the bun of the root's dev
// dependencies, and it runs where neither Node nor npm is installed.
//
// The program finds its files the one way the project does (`packageDir`: the nearest folder
// above the module holding a package.json). In the executable every module sits in the root of
// Bun's embedded file system, so the files are embedded there, laid out as one package: a
// package.json with the suite's name and version, and the spec package's rules.json and tables/
// (the canonical table among them). They are staged in a temporary folder for the build, taken
// from the spec package itself: there is no second copy to keep.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const conformanceDir = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`build-exe: ${message}\n`);
  process.exit(2);
}

function options() {
  try {
    const { values } = parseArgs({
      options: { outfile: { type: "string" }, help: { type: "boolean" } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write("usage: node conformance/scripts/build-exe.mjs [--outfile FILE]\n");
      process.exit(0);
    }
    return { outfile: resolve(values.outfile ?? join(conformanceDir, "dist-exe", "launcelot-conformance")) };
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

/** The spec package's folder, its rule index and its tables (copied from fixtures/ by the build). */
function specFiles() {
  const rules = require.resolve("@bridgekeeper/spec/rules.json");
  const tables = join(dirname(rules), "tables");
  if (!existsSync(join(tables, "canonical.json")))
    fail(`no ${join(tables, "canonical.json")}: run npm run build first`);
  return { rules, tables };
}

/** A temporary folder holding the files the executable embeds. */
function stage() {
  const manifest = JSON.parse(readFileSync(join(conformanceDir, "package.json"), "utf8"));
  const { rules, tables } = specFiles();
  const dir = mkdtempSync(join(tmpdir(), "launcelot-exe-"));
  const standalone = { name: "launcelot-conformance", version: manifest.version };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(standalone, null, 2)}\n`);
  cpSync(rules, join(dir, "rules.json"));
  cpSync(tables, join(dir, "tables"), { recursive: true });
  return dir;
}

function bunBinary() {
  try {
    return join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe");
  } catch {
    fail("the bun package is not installed (a dev dependency of the root): run npm install");
  }
}

const { outfile } = options();
const program = join(conformanceDir, "dist", "src", "cli.js");
if (!existsSync(program)) fail(`no ${program}: run npm run build first`);
const staged = stage();
mkdirSync(dirname(outfile), { recursive: true });
const args = [
  "build",
  "--compile",
  "--target=bun-linux-x64",
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  program,
  "--asset=package.json",
  "--asset=rules.json",
  "--asset=tables",
  `--outfile=${outfile}`,
];
const build = spawnSync(bunBinary(), args, { cwd: staged, encoding: "utf8" });
rmSync(staged, { recursive: true, force: true });
if (build.error) fail(`cannot run bun: ${build.error.message}`);
if (build.status !== 0) fail(`bun build failed: ${(build.stderr || build.stdout).trim().split("\n").at(-1)}`);
const mib = statSync(outfile).size / 2 ** 20;
process.stdout.write(`wrote ${outfile} (${mib.toFixed(1)} MiB)\n`);
