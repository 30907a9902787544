/**
 * Reading question-table files (`@bridgekeeper/spec/table-file`). The tables of `fixtures/tables/`
 * ship inside this package as `tables/` (copied there by `scripts/copy-tables.mjs` at build and
 * pack time; `fixtures/` stays their one source), so the default table resolves in a checkout and
 * in an installed package alike.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TableError } from "./errors.js";
import { packageDir } from "./package-dir.js";
import { parseTableText, type QuestionTable } from "./table.js";

/** The folder of the tables shipped with this package. */
export function tablesDir(): string {
  return join(packageDir(import.meta.url), "tables");
}

/** The canonical table from the seed (spec section 12.2), the default everywhere. */
export function canonicalTablePath(): string {
  return join(tablesDir(), "canonical.json");
}

/** Reads and validates a table file (default: the canonical table). Every failure is a one-line TableError. */
export async function loadTableFile(path: string = canonicalTablePath()): Promise<QuestionTable> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new TableError(path, `cannot read the file (${code})`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new TableError(path, "is not valid UTF-8");
  }
  return parseTableText(text, path);
}
