/**
 * Our two servers, for the targets `node` and `bun`: found through their packages
 * (@bridgekeeper/impl-node, @bridgekeeper/impl-bun), installed beside the suite or linked in the
 * workspace. The Bun server runs under the `bun` package its own package depends on. The standalone
 * executable carries neither.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { UsageError } from "@bridgekeeper/spec";
import { STANDALONE } from "./program.js";

export type OurServer = "node" | "bun";

const PACKAGES: Record<OurServer, string> = {
  node: "@bridgekeeper/impl-node",
  bun: "@bridgekeeper/impl-bun",
};

/** The folder of `name` as `from` would import it; undefined when it is not installed. */
function resolvePackageDir(name: string, from: string): string | undefined {
  try {
    return dirname(createRequire(from).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** The runtime that runs one of our servers: this Node, or the Bun the Bun server's package brings. */
export function runtimeExecutable(kind: OurServer): string {
  return ourServerCommand(kind).file;
}

/** The program and arguments that run one of our servers (flags are appended by the caller). */
export function ourServerCommand(kind: OurServer): { file: string; args: string[] } {
  const name = PACKAGES[kind];
  if (STANDALONE)
    throw new UsageError(
      `--target ${kind} needs the npm packages (npm install @bridgekeeper/conformance ${name}, then npx launcelot-conformance); the standalone executable judges exec: and HOST:PORT targets`,
    );
  const dir = resolvePackageDir(name, import.meta.url);
  if (dir === undefined)
    throw new UsageError(`--target ${kind} needs the package ${name}: npm install ${name}`);
  const main = join(dir, "dist", "src", "main.js");
  if (kind === "node") return { file: process.execPath, args: [main] };
  const bun = resolvePackageDir("bun", join(dir, "package.json"));
  if (bun === undefined)
    throw new UsageError(`--target bun: ${name} is installed without its dependency bun`);
  return { file: join(bun, "bin", "bun.exe"), args: [main] };
}
