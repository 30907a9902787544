/** Locating the repository's data files from a module, whether it runs as source or compiled. */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The first `relativePath` found in the folder of `moduleUrl` or one of its ancestors. */
export function findUpward(moduleUrl: string, relativePath: string): string {
  const start = dirname(fileURLToPath(moduleUrl));
  let dir = start;
  for (let up = 0; up < 8; up++) {
    const candidate = join(dir, relativePath);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find ${relativePath} above ${start}`);
}
