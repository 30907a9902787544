/**
 * The launcelot-bun command: `bun impl-bun/dist/src/main.js [flags]` (see --help; exit codes in
 * @bridgekeeper/server-kit's server-main.ts). One process serves; with --workers N it serves too
 * and supervises N - 1 workers on the same port (workers.ts), each of which runs this same main
 * as a worker.
 */
import { runServerMain } from "@bridgekeeper/server-kit";
import { startServer } from "./server.js";
import { onParentGone, WorkerSupervisor, workerPort } from "./workers.js";

const joinPort = workerPort();

runServerMain({
  program: "launcelot-bun",
  moduleUrl: import.meta.url,
  runtime: `Bun ${Bun.version}`,
  worker: joinPort !== undefined ? { onParentGone } : undefined,
  start: async (command, table, log) => {
    const supervising = joinPort === undefined && command.workers > 1;
    const { host, limits } = command;
    const port = joinPort ?? command.port;
    const server = await startServer({
      host,
      port,
      table,
      limits,
      reusePort: supervising || joinPort !== undefined,
      log,
    });
    if (!supervising) return { address: server, server, workers: undefined };
    const workers = new WorkerSupervisor(server.port, limits, log);
    await workers.start(command.workers - 1);
    return { address: server, server, workers };
  },
});
