/**
 * The packages a package's JavaScript imports, checked against what its manifest declares. In a
 * workspace, or in a folder where several packages are installed side by side, an undeclared
 * import still resolves (to a neighbour's dependency, hoisted): only this check sees it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import type { Manifest } from "./workspace.js";

/** `from "x"`, `import("x")` and `import "x"`, as the TypeScript compiler writes them. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g;

function javascriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : javascriptFiles(path);
    return /\.(m?js)$/.test(entry.name) ? [path] : [];
  });
}

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`); undefined for files and builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/")) return undefined;
  if (specifier.startsWith("node:") || specifier.startsWith("bun:")) return undefined;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] as string);
  return builtinModules.includes(name) ? undefined : name;
}

/** `file: package` for every import of a package that its manifest does not declare. */
export function undeclaredImports(dir: string, manifest: Manifest): string[] {
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  const found: string[] = [];
  for (const file of javascriptFiles(dir)) {
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const name = packageOf(match[1] as string);
      if (name !== undefined && !declared.has(name)) found.push(`${relative(dir, file)}: ${name}`);
    }
  }
  return found;
}
