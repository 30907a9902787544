/** The server's version, from impl-node/package.json (found upward from this module, source or compiled). */
import { readFileSync } from "node:fs";
import { findUpward } from "@bridgekeeper/spec";

function readVersion(): string {
  const file = findUpward(import.meta.url, "package.json");
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
  return typeof parsed.version === "string" ? parsed.version : "0.0.0";
}

export const SERVER_VERSION: string = readVersion();
export const PROGRAM_NAME = "launcelot-node";
