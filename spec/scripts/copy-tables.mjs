#!/usr/bin/env node
// Copies the question tables of fixtures/tables/ (their one source) into spec/tables/, which the
// package ships and its table loader reads. Run by the root build and by `npm pack` (prepack).
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("../../fixtures/tables/", import.meta.url));
const target = fileURLToPath(new URL("../tables/", import.meta.url));
rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const name of readdirSync(source)) if (name.endsWith(".json")) cpSync(source + name, target + name);
