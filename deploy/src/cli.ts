#!/usr/bin/env node
/**
 * `npm run -s cluster -- [flags]` (see --help): HAProxy in front of our servers on loopback, or
 * `--print-config` for servers elsewhere. Exit codes: 0 after a graceful stop, 2 for a bad flag,
 * table or limit (one line on stderr), 1 when the cluster cannot start or HAProxy dies, 130/143
 * when a second signal a second or more after the first forces the exit.
 */
import { BridgekeeperError, formatAddress, UsageError } from "@bridgekeeper/spec";
import { canonicalTablePath, loadTableFile } from "@bridgekeeper/spec/table-file";
import { type ClusterFlags, parseClusterFlags, USAGE } from "./cli-flags.js";
import { type Cluster, startCluster } from "./cluster.js";
import { checkEntry, renderConfig } from "./haproxy-config.js";
import { proxySettings } from "./proxy-settings.js";
import { watchStates } from "./state-watch.js";

const PROGRAM = "launcelot-cluster";
const SETUP_CODES = new Set([
  "E_USAGE",
  "E_LIMIT_INVALID",
  "E_TABLE_INVALID",
  "E_FD_LIMIT",
  "E_HAPROXY_MISSING",
]);

function log(line: string): void {
  process.stderr.write(`${PROGRAM}: ${line}\n`);
}

function fail(error: unknown): never {
  const known = error instanceof BridgekeeperError;
  log(known ? error.message : `unexpected error: ${(error as Error)?.message ?? String(error)}`);
  process.exit(known && SETUP_CODES.has(error.code) ? 2 : 1);
}

async function printConfig(flags: ClusterFlags): Promise<void> {
  const settings = proxySettings(flags.limits);
  const servers = flags.backends.map((b, i) => {
    if (b.kind !== "address")
      throw new UsageError("--print-config needs HOST:PORT backends, not node or bun");
    return {
      name: `server${i + 1}`,
      host: b.host,
      port: b.port,
      maxConnections: flags.serverMaxConnections ?? settings.backendMaxConnections,
    };
  });
  const check = checkEntry(await loadTableFile(flags.tablePath ?? canonicalTablePath()));
  const bindPort = flags.port === 0 ? 1060 : flags.port;
  const text = renderConfig({
    bindHost: flags.host,
    bindPort,
    statsSocket: flags.statsSocket,
    settings,
    servers,
    check,
  });
  process.stdout.write(text);
}

/** Kills every process group of the cluster at once (the second signal). */
function killAll(cluster: Cluster): void {
  for (const pid of [cluster.haproxy.pid, ...cluster.backends.map((b) => b.pid)]) {
    if (pid === null) continue;
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Runs a started cluster until a signal or HAProxy's death; never returns. */
async function serve(cluster: Cluster, early: NodeJS.Signals | null): Promise<never> {
  const stopWatch = watchStates(cluster, log);
  let firstAt = 0;
  const stopGracefully = (why: string, code: number): void => {
    firstAt = Date.now();
    stopWatch();
    log(why);
    void cluster.stop().then(() => process.exit(code), fail);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstAt === 0) {
      stopGracefully(`${signal}: stopping (HAProxy stops listening, backends deliver what they owe)`, 0);
      return;
    }
    if (Date.now() - firstAt < 1000) return;
    log(`second ${signal}: killing every process now`);
    killAll(cluster);
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
  for (const b of cluster.backends) {
    const where = `${b.spec.kind} on ${formatAddress(b.host, b.port)}`;
    log(`backend ${b.name}: ${where}${b.pid !== null ? `, pid ${b.pid}` : ""}`);
    void b.process?.exited().then((exit) => {
      if (firstAt === 0)
        log(`backend ${b.name} exited (${exit.signal ?? `code ${exit.code}`}); HAProxy takes it out`);
    });
  }
  log(
    `haproxy pid ${cluster.haproxy.pid}, config ${cluster.configPath}, stats socket ${cluster.statsSocket}`,
  );
  if (early !== null) onSignal(early);
  else process.stdout.write(`listening on ${formatAddress(cluster.host, cluster.port)}\n`);
  const exit = await cluster.haproxy.exited;
  if (firstAt === 0)
    stopGracefully(`haproxy exited (${exit.signal ?? `code ${exit.code}`}); stopping the backends`, 1);
  return new Promise<never>(() => {});
}

async function main(argv: readonly string[]): Promise<void> {
  const flags = parseClusterFlags(argv);
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (flags.printConfig) return printConfig(flags);
  let early: NodeJS.Signals | null = null;
  const onEarly = (signal: NodeJS.Signals): void => {
    early = signal;
  };
  process.on("SIGINT", onEarly).on("SIGTERM", onEarly);
  const cluster = await startCluster({
    backends: flags.backends,
    limits: flags.limits,
    host: flags.host,
    port: flags.port,
    ...(flags.tablePath !== undefined ? { tablePath: flags.tablePath } : {}),
    ...(flags.maxQuestion !== undefined ? { maxQuestion: flags.maxQuestion } : {}),
    ...(flags.serverMaxConnections !== undefined ? { serverMaxConnections: flags.serverMaxConnections } : {}),
    ...(flags.haproxy !== undefined ? { haproxy: flags.haproxy } : {}),
    onHaproxyLine: (line) => log(`haproxy: ${line}`),
  });
  process.off("SIGINT", onEarly).off("SIGTERM", onEarly);
  await serve(cluster, early);
}

main(process.argv.slice(2)).catch(fail);
