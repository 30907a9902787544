/**
 * startServer: a Launcelot server on Node's `net`, one event loop for every client (spec sections
 * 5 to 9). Each connection is a Client (client.ts) around the sans-I/O core; one IdleSweeper timer
 * serves them all; Node's own `maxConnections` closes connections past the limit C, or past the
 * process's descriptor budget when that is lower (DescriptorBudget), right after accepting them
 * (CONN-2) and reports each as a `'drop'`.
 */
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import {
  DEFAULT_PORT,
  DescriptorBudget,
  newCounters,
  newServerStats,
  QuestionTable,
  type RunningServer,
  resolveLimits,
  type ServerOptions,
  type ServerStats,
} from "@bridgekeeper/spec";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import { Client, type ServerContext } from "./client.js";
import { IdleSweeper } from "./idle.js";

export const DEFAULT_HOST = "127.0.0.1";

function logToStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * The same table with every answer viewed as a Buffer over the same bytes (no copy): Node's
 * `socket.write()` wraps a plain Uint8Array in a new Buffer on every call, a Buffer it takes as is.
 */
function withBufferAnswers(table: QuestionTable): QuestionTable {
  return new QuestionTable(
    table.name,
    table.entries.map((entry) => ({
      ...entry,
      answer: Buffer.from(entry.answer.buffer, entry.answer.byteOffset, entry.answer.byteLength),
    })),
  );
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const limits = resolveLimits(options.limits);
  const table = withBufferAnswers(options.table ?? (await loadTableFile()));
  const log = options.log ?? logToStderr;
  const stats = newServerStats();
  const counters = newCounters();
  const clients = new Set<Client>();
  let sweeper: IdleSweeper<Client> | undefined;
  let shutdown: { deadline: NodeJS.Timeout | undefined; settle: () => void } | undefined;

  const ctx: ServerContext = {
    table,
    maxQuestionBytes: limits.maxQuestionBytes,
    highWaterMark: limits.highWaterMarkBytes,
    counters,
    stats,
    clients,
    currentTick: () => sweeper?.tick ?? 0,
    log,
    onClientClosed: () => {
      if (shutdown !== undefined && clients.size === 0) shutdown.settle();
    },
  };

  const server: Server = createServer({ allowHalfOpen: true, noDelay: true });
  server.maxConnections = limits.maxConnections;
  server.on("connection", (socket: Socket) => {
    stats.connectionsOpen++;
    stats.connectionsTotal++;
    clients.add(new Client(socket, ctx));
  });
  const budget = new DescriptorBudget(log, () => stats.connectionsOpen);
  /** The cap Node applies: C, or the descriptor budget when that is lower. */
  const capConnections = (): void => {
    server.maxConnections = Math.min(limits.maxConnections, budget.connectionsAllowed);
  };
  server.on("drop", () => {
    stats.connectionsRefused++;
    if (server.maxConnections >= limits.maxConnections) return; // past C, not the budget
    budget.admits(stats.connectionsOpen, false); // notes the refusal (one log line an episode), recounts
    capConnections();
  });

  await new Promise<void>((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    server.once("error", failed);
    server.listen({ host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT }, () => {
      server.off("error", failed);
      resolve();
    });
  });
  budget.recount(0);
  capConnections();
  server.on("error", (error: NodeJS.ErrnoException) => {
    // EMFILE/ENFILE here means libuv's reserve descriptor did not help: once per episode, not per accept.
    if (error.code === "EMFILE" || error.code === "ENFILE") budget.noteRefusal(stats.connectionsOpen);
    else log(`server error: ${error.code ?? error.message}`);
  });

  sweeper = new IdleSweeper<Client>(
    limits.idleTimeoutMs,
    clients,
    (client, tick) => client.observeProgress(tick),
    (client) => client.closeIdle(),
  );

  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  function close(): Promise<void> {
    if (closing !== undefined) return closing;
    closing = new Promise<void>((resolve) => {
      let listenerClosed = false;
      let clientsClosed = false;
      const finish = (): void => {
        if (!listenerClosed || !clientsClosed) return;
        if (shutdown?.deadline !== undefined) clearTimeout(shutdown.deadline);
        sweeper?.stop();
        budget.stop();
        resolve();
      };
      shutdown = {
        deadline: undefined,
        settle: () => {
          clientsClosed = true;
          finish();
        },
      };
      server.close(() => {
        listenerClosed = true;
        finish();
      });
      shutdown.deadline = setTimeout(() => {
        for (const client of clients) client.destroy();
      }, limits.shutdownTimeoutMs);
      for (const client of [...clients]) client.shutdown();
      if (clients.size === 0) shutdown.settle();
    });
    return closing;
  }

  function snapshot(): ServerStats {
    let queued = 0;
    for (const client of clients) queued += client.socket.writableLength;
    return {
      ...stats,
      questionsAnswered: counters.answered,
      unknownQuestions: counters.unknown,
      tooLongQuestions: counters.tooLong,
      queuedOutputBytes: queued,
    };
  }

  return { host: address.address, port: address.port, close, stats: snapshot };
}
