#!/usr/bin/env node
/**
 * The launcelot-node command: `node impl-node/dist/src/main.js [flags]` (see --help; exit codes in
 * @bridgekeeper/server-kit's server-main.ts). One process serves; with --workers N the cluster
 * primary supervises N workers (workers.ts), each of which runs this same main as a worker.
 */
import cluster from "node:cluster";
import { runServerMain } from "@bridgekeeper/server-kit";
import { startServer } from "./server.js";
import { WorkerSupervisor } from "./workers.js";

runServerMain({
  program: "launcelot-node",
  moduleUrl: import.meta.url,
  worker: cluster.isWorker ? { onParentGone: (stop) => process.on("disconnect", stop) } : undefined,
  start: async (command, table, log) => {
    if (cluster.isPrimary && command.workers > 1) {
      const workers = new WorkerSupervisor(command, log);
      return { address: await workers.start(command.workers), server: undefined, workers };
    }
    const { host, port, limits } = command;
    const server = await startServer({ host, port, table, limits, log });
    // A cluster worker logs `listening`; its primary prints the one line.
    return { address: cluster.isWorker ? undefined : server, server, workers: undefined };
  },
});
