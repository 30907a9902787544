/**
 * Test control for the Bun server (run directly by Bun: `bun impl-bun/test/control.ts [flags]`).
 * Takes main's flags, starts the server with startServer, prints `listening on HOST:PORT`, then
 * reads standard input lines: `stats` prints `stats <JSON of ServerStats>`; `close` awaits a
 * graceful close, prints `closed` and exits 0. End of standard input exits at once.
 */
import { parseServerArgs } from "@bridgekeeper/server-kit";
import { formatAddress } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { startServer } from "../src/index.js";

function fail(message: string): never {
  process.stderr.write(`launcelot-bun control: ${message.split("\n")[0]}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let command: ReturnType<typeof parseServerArgs>;
  try {
    command = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (command.kind !== "serve") fail("the control script serves only (no --help or --version)");
  if (command.workers !== 1) fail("the control script runs one process (no --workers)");
  let table: Awaited<ReturnType<typeof loadTableFile>>;
  try {
    table = await loadTableFile(command.tablePath);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const server = await startServer({
    host: command.host,
    port: command.port,
    table,
    limits: command.limits,
  });
  process.stdout.write(`listening on ${formatAddress(server.host, server.port)}\n`);
  let buffered = "";
  let closing = false;
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (text: string) => {
    buffered += text;
    for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line === "stats") {
        process.stdout.write(`stats ${JSON.stringify(server.stats())}\n`);
      } else if (line === "close" && !closing) {
        closing = true;
        void server.close().then(() => {
          process.stdout.write("closed\n", () => process.exit(0));
        });
      } else if (line.length > 0 && line !== "close") {
        process.stderr.write(`launcelot-bun control: unknown command "${line}"\n`);
      }
    }
  });
  process.stdin.on("end", () => process.exit(0));
}

void main();
