#!/usr/bin/env node
// Linked by npm at install time, before the TypeScript is compiled; the program itself is dist/src/main.js.
import { existsSync } from "node:fs";

const program = new URL("../dist/src/main.js", import.meta.url);
if (!existsSync(program)) {
  process.stderr.write(
    "launcelot-node: not built yet; run `npm run build` in the bridgekeeper checkout first\n",
  );
  process.exit(2);
}
await import(program.href);
