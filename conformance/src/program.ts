/**
 * How this program is running: from its npm package, under Node (`npx launcelot-conformance`), or
 * as the standalone executable built by `npm run build:exe` (`bun build --compile`), whose modules
 * and files live in Bun's embedded file system (/$bunfs/). The executable carries the suite, the
 * rule index and the tables, but not our servers: those come only with their npm packages.
 */
import { shellQuote } from "@bridgekeeper/client-kit";

export const STANDALONE: boolean = import.meta.url.startsWith("file:///$bunfs/");

/** The command that runs this program again, for the replay commands in reports. */
export function programCommand(): string {
  return STANDALONE ? shellQuote(process.execPath) : "npx launcelot-conformance";
}

/** What `--version` prints after the program's name and version. */
export function programVariant(): string {
  return STANDALONE ? ` (standalone executable, Bun ${process.versions.bun ?? "unknown"})` : "";
}
