#!/usr/bin/env node
// Copies the question tables of fixtures/tables/ (their one source) into spec/tables/, which the
// package ships and its table loader reads. Run by the root build and by `npm pack` (prepack).
// Each file is replaced by a rename, and only when it changed, so that servers and tests reading
// a table while a build or a pack runs never see a missing or half-written file.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../../fixtures/tables/", import.meta.url));
const target = fileURLToPath(new URL("../tables/", import.meta.url));
const names = readdirSync(source).filter((name) => name.endsWith(".json"));
mkdirSync(target, { recursive: true });
for (const name of names) {
  const bytes = readFileSync(source + name);
  if (existsSync(target + name) && readFileSync(target + name).equals(bytes)) continue;
  const temporary = `${target}.${name}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, target + name);
}
for (const name of readdirSync(target)) if (!names.includes(name)) rmSync(target + name, { force: true });
