/**
 * The folder of the package a module belongs to: the nearest folder above it holding a
 * package.json. The same answer from source (src/x.ts) and from the build (dist/src/x.js), in a
 * checkout and in an installed package; the one way this project finds its own files.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function packageDir(moduleUrl: string): string {
  const start = dirname(fileURLToPath(moduleUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** The `version` of the package a module belongs to. */
export function packageVersion(moduleUrl: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir(moduleUrl), "package.json"), "utf8")) as {
    version?: unknown;
  };
  if (typeof manifest.version !== "string") throw new Error(`no version in the package.json of ${moduleUrl}`);
  return manifest.version;
}
