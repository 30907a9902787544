import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** conformance/dist/src/paths.js -> repository root, independent of the working directory. */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export const nodeServerEntry: string = resolve(repoRoot, "impl-node", "dist", "src", "main.js");
export const bunServerEntry: string = resolve(repoRoot, "impl-bun", "dist", "src", "main.js");
export const bunExecutable: string = resolve(repoRoot, "node_modules", ".bin", "bun");
export const conformanceCli: string = resolve(repoRoot, "conformance", "dist", "src", "cli.js");
