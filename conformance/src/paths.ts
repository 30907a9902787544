import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest ancestor of this module holding conformance/package.json (works from src and dist). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 8; up++) {
    if (existsSync(join(dir, "conformance", "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

export const repoRoot: string = findRoot();

export const nodeServerEntry: string = resolve(repoRoot, "impl-node", "dist", "src", "main.js");
export const bunServerEntry: string = resolve(repoRoot, "impl-bun", "dist", "src", "main.js");
export const bunExecutable: string = resolve(repoRoot, "node_modules", ".bin", "bun");
export const conformanceCli: string = resolve(repoRoot, "conformance", "dist", "src", "cli.js");
