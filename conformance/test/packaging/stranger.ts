/**
 * What a stranger does with our packages, in a temporary folder outside the checkout: pack every
 * publishable workspace package (`npm pack`), install the tarballs into an empty project (registry
 * dependencies from npm's cache when it has them), build the standalone executable, and run the
 * installed programs. Child processes get an environment without npm's variables and without any
 * node_modules/.bin on PATH, so that nothing of the checkout is found by accident.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot, type WorkspacePackage } from "./workspace.js";

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of every child: this one, less npm's variables and every node_modules/.bin. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!/^npm_/i.test(key) && key !== "INIT_CWD") env[key] = value;
  env.PATH = (process.env.PATH ?? "")
    .split(":")
    .filter((dir) => !dir.includes("node_modules"))
    .join(":");
  return env;
}

export function run(file: string, args: readonly string[], cwd: string, env = cleanEnv()): Run {
  const child: SpawnSyncReturns<string> = spawnSync(file, args, {
    cwd,
    env,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 2 ** 20,
  });
  if (child.error) throw child.error;
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

function ok(what: string, result: Run): Run {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.trim()}`);
  return result;
}

export interface PackedPackage {
  readonly name: string;
  readonly tarball: string;
  /** The paths inside the tarball, relative to the package (package.json, dist/src/...). */
  readonly files: readonly string[];
}

/** `npm pack` of the packages into `dir`, in one npm run (each package's prepack builds it). */
export function pack(packages: readonly WorkspacePackage[], dir: string): PackedPackage[] {
  const workspaces = packages.flatMap((p) => ["--workspace", p.folder]);
  mkdirSync(dir, { recursive: true });
  const args = ["pack", "--json", "--pack-destination", dir, ...workspaces];
  const result = ok("npm pack", run("npm", args, repoRoot));
  const entries = JSON.parse(result.stdout) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  return entries.map((e) => ({
    name: e.name,
    tarball: join(dir, e.filename),
    files: e.files.map((f) => f.path),
  }));
}

/** An empty project in `dir` with the tarballs installed, as `npm install ./x.tgz ...` does it. */
export function installInto(dir: string, tarballs: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "stranger", private: true })}\n`);
  const args = ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs];
  ok("npm install", run("npm", args, dir));
}

/** The standalone executable, built as `npm run build:exe` builds it, to `outfile`. */
export function buildExecutable(outfile: string): void {
  const script = join(repoRoot, "conformance", "scripts", "build-exe.mjs");
  ok("build-exe", run(process.execPath, [script, "--outfile", outfile], repoRoot));
}

/** A fresh folder under the system's temporary folder (outside the checkout), and its removal. */
export function temporaryFolder(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** How long `step` took, in seconds, for the test's log line. */
export function timed<T>(times: Record<string, number>, name: string, step: () => T): T {
  const started = performance.now();
  try {
    return step();
  } finally {
    times[name] = Math.round((performance.now() - started) / 100) / 10;
  }
}
