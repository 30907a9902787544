/**
 * A cluster on loopback: N backends on free ports, HAProxy in front of them with the configuration
 * rendered from deploy/haproxy/haproxy.cfg into a temporary folder, ready once every launched
 * backend is UP. Whatever fails on the way, everything started so far is stopped again.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "@bridgekeeper/conformance";
import { checkLimit } from "@bridgekeeper/spec";
import { canonicalTablePath, loadTableFile } from "@bridgekeeper/spec/table-file";
import { type BackendSpec, backendNames, ClusterBackend } from "./backends.js";
import { ClusterStartError } from "./errors.js";
import { checkEntry, renderConfig } from "./haproxy-config.js";
import { checkConfig, type HaproxyProcess, requireHaproxy, startHaproxy } from "./haproxy-process.js";
import { type ServerState, serverStates } from "./haproxy-stats.js";
import { type ClusterLimits, checkDescriptors, type ProxySettings, proxySettings } from "./proxy-settings.js";

/** The backend section's name in the template. */
export const BACKEND_SECTION = "launcelot_servers";

export interface ClusterOptions {
  readonly backends: readonly BackendSpec[];
  readonly limits: ClusterLimits;
  readonly tablePath?: string;
  readonly maxQuestion?: number;
  /** C of each HOST:PORT backend (default: C + 1, what launched backends get). */
  readonly serverMaxConnections?: number;
  /** The frontend's address (default 127.0.0.1, port 0: a free port). */
  readonly host?: string;
  readonly port?: number;
  /** The haproxy binary (default: found on PATH or in /usr/sbin). */
  readonly haproxy?: string;
  /** How long backends may take to listen and HAProxy to see them UP (default 20 s). */
  readonly startTimeoutMs?: number;
  /** HAProxy's own output, line by line. */
  readonly onHaproxyLine?: (line: string) => void;
}

export interface Cluster {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  readonly configPath: string;
  readonly config: string;
  readonly statsSocket: string;
  readonly settings: ProxySettings;
  readonly backends: readonly ClusterBackend[];
  readonly haproxy: HaproxyProcess;
  backend(name: string): ClusterBackend;
  states(): Promise<ServerState[]>;
  /** Polls `show stat` until the server's state passes `accept`; resolves with it, or null at the timeout. */
  waitFor(
    name: string,
    accept: (state: ServerState) => boolean,
    timeoutMs: number,
  ): Promise<ServerState | null>;
  /** Stops everything: HAProxy stops listening, the backends shut down gracefully, then HAProxy exits. */
  stop(): Promise<void>;
}

async function startBackends(backends: readonly ClusterBackend[]): Promise<void> {
  const results = await Promise.allSettled(backends.map((b) => b.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** A launched backend passed a check; for any server, its first check is over (HAProxy starts them all UP). */
const checkedUp = (s: ServerState): boolean => s.status === "UP" && s.checkStatus.endsWith("L7OK");
const firstCheckDone = (s: ServerState): boolean => checkedUp(s) || s.status.startsWith("DOWN");

/**
 * Waits until every launched backend passed a health check, and every address backend's first
 * check is over, so that no client is sent to a server nobody has checked yet.
 */
async function waitUntilChecked(cluster: Cluster, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (const backend of cluster.backends) {
    const left = Math.max(0, deadline - performance.now());
    const state = await cluster.waitFor(backend.name, backend.launched ? checkedUp : firstCheckDone, left);
    if (state === null && backend.launched) {
      const states = await cluster.states().catch(() => []);
      const seen = states.find((s) => s.name === backend.name);
      throw new ClusterStartError(
        `HAProxy did not see backend ${backend.name} pass its health check within ${timeoutMs} ms (${seen ? `${seen.status}, check ${seen.checkStatus}` : "no state"})`,
      );
    }
  }
}

/** The parts of a started cluster, before the handle around them. */
type ClusterParts = Omit<Cluster, "backend" | "states" | "waitFor" | "stop">;

/** The handle: look-ups on the stats socket, and one stop however often it is asked for. */
function clusterHandle(parts: ClusterParts): Cluster {
  const { backends, haproxy, statsSocket, settings, dir } = parts;
  let stopping: Promise<void> | null = null;
  return {
    ...parts,
    backend(name) {
      const found = backends.find((b) => b.name === name);
      if (!found) throw new ClusterStartError(`no backend named ${name}`);
      return found;
    },
    states: () => serverStates(statsSocket, BACKEND_SECTION),
    async waitFor(name, accept, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const state = (await serverStates(statsSocket, BACKEND_SECTION)).find((s) => s.name === name);
        if (state && accept(state)) return state;
        if (performance.now() > deadline || haproxy.exitStatus() !== null) return null;
        await sleep(50);
      }
    },
    stop() {
      stopping ??= (async () => {
        haproxy.softStop();
        await Promise.all(backends.map((b) => b.stop()));
        await haproxy.stop(settings.hardStopAfterMs + 1000);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

function backendsFor(
  options: ClusterOptions,
  settings: ProxySettings,
  tablePath: string,
  startTimeoutMs: number,
) {
  const names = backendNames(options.backends);
  const flags = {
    tablePath,
    idleTimeoutSec: settings.limits.idleTimeoutSec,
    maxConnections: settings.backendMaxConnections,
    shutdownTimeoutSec: settings.limits.shutdownTimeoutSec,
    ...(options.maxQuestion !== undefined ? { maxQuestion: options.maxQuestion } : {}),
  };
  return options.backends.map(
    (spec, i) => new ClusterBackend(names[i] as string, spec, flags, startTimeoutMs),
  );
}

/** Starts the backends and HAProxy; resolves once every backend has been checked (launched ones UP). */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const binary = requireHaproxy(options.haproxy);
  const settings = proxySettings(options.limits);
  checkDescriptors(settings, options.backends.length);
  if (options.maxQuestion !== undefined) checkLimit("maxQuestionBytes", options.maxQuestion);
  if (options.serverMaxConnections !== undefined) checkLimit("maxConnections", options.serverMaxConnections);
  const tablePath = options.tablePath ?? canonicalTablePath();
  const check = checkEntry(await loadTableFile(tablePath));
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const backends = backendsFor(options, settings, tablePath, startTimeoutMs);
  const dir = await mkdtemp(join(tmpdir(), "launcelot-cluster-"));
  let haproxy: HaproxyProcess | null = null;
  try {
    await startBackends(backends);
    const host = options.host ?? "127.0.0.1";
    const port = options.port || (await freePort());
    const statsSocket = join(dir, "haproxy.sock");
    const config = renderConfig({
      bindHost: host,
      bindPort: port,
      statsSocket,
      settings,
      check,
      servers: backends.map((b) => ({
        name: b.name,
        host: b.host,
        port: b.port,
        maxConnections: b.launched
          ? settings.backendMaxConnections
          : (options.serverMaxConnections ?? settings.backendMaxConnections),
      })),
    });
    const configPath = join(dir, "haproxy.cfg");
    await writeFile(configPath, config);
    await checkConfig(binary, configPath);
    haproxy = await startHaproxy(binary, configPath, { host, port }, startTimeoutMs, options.onHaproxyLine);
    const cluster = clusterHandle({
      host,
      port,
      dir,
      configPath,
      config,
      statsSocket,
      settings,
      backends,
      haproxy,
    });
    await waitUntilChecked(cluster, startTimeoutMs);
    return cluster;
  } catch (error) {
    await haproxy?.stop(0);
    await Promise.all(backends.map((b) => b.stop()));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
