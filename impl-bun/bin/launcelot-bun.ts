#!/usr/bin/env node
/**
 * The launcelot-bun command: a small Node program that runs the Bun server (dist/src/main.js) under
 * the `bun` binary of the `bun` package this package depends on, so that no Bun needs to be on
 * PATH. Arguments, standard streams and the exit status are the server's; SIGINT, SIGTERM and
 * SIGHUP are passed on to it. Tools that want the server's own process id run
 * `node_modules/bun/bin/bun.exe dist/src/main.js` directly, as the conformance suite does.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PROGRAM = "launcelot-bun";
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function fail(message: string): never {
  process.stderr.write(`${PROGRAM}: ${message}\n`);
  process.exit(2);
}

/** The bun binary of the `bun` package, as this package resolves it. */
function bunExecutable(): string {
  let manifest: string;
  try {
    manifest = createRequire(import.meta.url).resolve("bun/package.json");
  } catch {
    fail("the package bun (a dependency of @bridgekeeper/impl-bun) is not installed: npm install bun");
  }
  const file = join(dirname(manifest), "bin", "bun.exe");
  if (!existsSync(file)) fail(`the bun package has no binary at ${file}`);
  return file;
}

const server = fileURLToPath(new URL("../src/main.js", import.meta.url));
const child = spawn(bunExecutable(), [server, ...process.argv.slice(2)], { stdio: "inherit" });
const forward = (signal: NodeJS.Signals): void => {
  child.kill(signal);
};
for (const signal of FORWARDED) process.on(signal, forward);
child.on("error", (error) => fail(`cannot run bun: ${error.message}`));
child.on("exit", (code, signal) => {
  for (const name of FORWARDED) process.off(name, forward);
  if (signal !== null) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
