/** Importing the protocol core touches no file: reading tables and the rule index are entries of their own. */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const entry = (name: string): string => fileURLToPath(new URL(`../dist/src/${name}.js`, import.meta.url));

/**
 * Imports `module` in a fresh Node with every call of node:fs counted, but the module loader's own
 * reads of the modules' source (file: URLs of .js files); returns the count.
 */
function fileCallsOnImport(module: string): number {
  const script = `
    import fs from "node:fs";
    import { syncBuiltinESMExports } from "node:module";
    let calls = 0;
    const count = (first) => { if (!/^file:.*.js$/.test(String(first))) calls++; };
    for (const name of Object.keys(fs)) {
      if (typeof fs[name] === "function" && /^[a-z]/.test(name)) {
        const original = fs[name];
        fs[name] = (...args) => { count(args[0]); return original(...args); };
      }
    }
    for (const name of Object.keys(fs.promises)) {
      const original = fs.promises[name];
      if (typeof original === "function") fs.promises[name] = (...args) => { count(args[0]); return original(...args); };
    }
    syncBuiltinESMExports(); // named imports of node:fs see the counting functions too
    await import(${JSON.stringify(module)});
    process.stdout.write(String(calls));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stdout);
}

describe("the spec package's entry points", () => {
  it("imports the core without a single file-system call", () => {
    expect(fileCallsOnImport(entry("index"))).toBe(0);
  });

  it("reads rules.json only when the rule index is imported (the check above can see file calls)", () => {
    expect(fileCallsOnImport(entry("rules"))).toBeGreaterThan(0);
  });
});
