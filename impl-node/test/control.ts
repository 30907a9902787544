/**
 * Test-only control script (the shared test control protocol): takes the server's flags, starts the
 * server in-process with startServer, prints `listening on HOST:PORT`, then reads stdin lines:
 * `stats` prints `stats <JSON>`, `close` awaits a graceful close, prints `closed` and exits 0;
 * stdin EOF exits at once. Run compiled: node impl-node/dist/test/control.js [flags].
 */
import { createInterface } from "node:readline";
import { parseServerArgs } from "@bridgekeeper/server-kit";
import { formatAddress } from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { startServer } from "../src/server.js";

function fail(message: string): never {
  process.stderr.write(`launcelot-node control: ${message}\n`);
  process.exit(2);
}

async function run(): Promise<void> {
  let command: ReturnType<typeof parseServerArgs>;
  try {
    command = parseServerArgs(process.argv.slice(2));
  } catch (error) {
    fail((error as Error).message);
  }
  if (command.kind !== "serve") fail("the control script takes only serving flags");
  const table = await loadTableFile(command.tablePath).catch((error: Error) => fail(error.message));
  const server = await startServer({
    host: command.host,
    port: command.port,
    table,
    limits: command.limits,
  }).catch((error: Error) => fail(error.message));
  process.stdout.write(`listening on ${formatAddress(server.host, server.port)}\n`);
  let closing = false;
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const verb = line.trim();
    if (verb === "stats") {
      process.stdout.write(`stats ${JSON.stringify(server.stats())}\n`);
    } else if (verb === "close") {
      if (closing) return;
      closing = true;
      server.close().then(() => {
        process.stdout.write("closed\n", () => process.exit(0));
      });
    } else if (verb.length > 0) {
      process.stderr.write(`launcelot-node control: unknown command "${verb}"\n`);
    }
  });
  lines.on("close", () => process.exit(0));
}

void run();
