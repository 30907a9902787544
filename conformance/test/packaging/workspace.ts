/**
 * The workspace as a publisher sees it: every workspace package of the root package.json that is
 * not `private` is published, so a new one is packed and installed by the packaging test without
 * editing it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot: string = fileURLToPath(new URL("../../..", import.meta.url)).replace(/\/$/, "");

export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly engines?: { readonly node?: string };
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly files?: readonly string[];
  readonly bin?: Readonly<Record<string, string>>;
  readonly exports?: unknown;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

export interface WorkspacePackage {
  /** The folder in the workspace, e.g. `spec`. */
  readonly folder: string;
  readonly manifest: Manifest;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;
}

export function workspacePackages(): WorkspacePackage[] {
  const root = readManifest(repoRoot) as Manifest & { workspaces?: readonly string[] };
  return (root.workspaces ?? []).map((folder) => ({
    folder,
    manifest: readManifest(join(repoRoot, folder)),
  }));
}

export function publishablePackages(): WorkspacePackage[] {
  return workspacePackages().filter((p) => p.manifest.private !== true);
}

/** Every file an `exports` map points at (conditions and subpaths flattened). */
export function exportTargets(exports: unknown): string[] {
  if (typeof exports === "string") return [exports];
  if (exports === null || typeof exports !== "object") return [];
  return Object.values(exports).flatMap(exportTargets);
}
