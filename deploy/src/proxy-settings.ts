/**
 * The numbers of the HAProxy configuration, derived from the limits the servers run with (spec
 * section 6.2). deploy/haproxy/haproxy.cfg says, next to each setting, which rule it serves.
 */
import { readFileSync } from "node:fs";
import { checkLimit, LIMITS } from "@bridgekeeper/spec";
import { DescriptorLimitError } from "./errors.js";

/** The limits of the cluster as a whole, as a suite would be told them. */
export interface ClusterLimits {
  /** I, in seconds: the backends' idle timeout. */
  readonly idleTimeoutSec: number;
  /** C: connections the cluster holds; the frontend closes connection C + 1 at once. */
  readonly maxConnections: number;
  /** D, in seconds: the backends' graceful-shutdown deadline. */
  readonly shutdownTimeoutSec: number;
}

export interface ProxySettings {
  readonly limits: ClusterLimits;
  /** client, server, tunnel, client-fin and server-fin timeouts: I + 2 s. */
  readonly proxyTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly checkIntervalMs: number;
  readonly checkTimeoutMs: number;
  readonly checkRise: number;
  readonly checkFall: number;
  /** The frontend's maxconn: C plus room to accept connection C + 1 in order to close it. */
  readonly frontendMaxconn: number;
  /** The global maxconn: the frontend's plus the stats socket's. */
  readonly globalMaxconn: number;
  /** What each backend we launch is given as its own C: C + 1, so any one can carry the cluster. */
  readonly backendMaxConnections: number;
  /** HAProxy's bound on a soft stop: D + 5 s. */
  readonly hardStopAfterMs: number;
  /** SO_RCVBUF and SO_SNDBUF of HAProxy's sockets, both sides (fixed, not autotuned). */
  readonly socketBufferBytes: number;
}

/** Above our servers' own idle close (between I and I + 2 s), well below IDLE-2's grace (5 s). */
export const PROXY_TIMEOUT_MARGIN_MS = 2000;
const FRONTEND_HEADROOM = 64;
const STATS_CONNECTIONS = 16;

export const DEFAULT_CLUSTER_LIMITS: ClusterLimits = {
  idleTimeoutSec: LIMITS.idleTimeoutSeconds.default,
  maxConnections: 1000,
  shutdownTimeoutSec: LIMITS.shutdownTimeoutSeconds.default,
};

/** Checks the limits against the spec's ranges (a LimitError names the flag) and derives the rest. */
export function proxySettings(limits: ClusterLimits): ProxySettings {
  checkLimit("idleTimeoutSeconds", limits.idleTimeoutSec);
  checkLimit("maxConnections", limits.maxConnections);
  checkLimit("shutdownTimeoutSeconds", limits.shutdownTimeoutSec);
  const frontendMaxconn = limits.maxConnections + FRONTEND_HEADROOM;
  return {
    limits,
    proxyTimeoutMs: Math.ceil(limits.idleTimeoutSec * 1000) + PROXY_TIMEOUT_MARGIN_MS,
    connectTimeoutMs: 2000,
    checkIntervalMs: 1000,
    checkTimeoutMs: 1000,
    checkRise: 2,
    checkFall: 2,
    frontendMaxconn,
    globalMaxconn: frontendMaxconn + STATS_CONNECTIONS,
    backendMaxConnections: limits.maxConnections + 1,
    hardStopAfterMs: Math.ceil(limits.shutdownTimeoutSec * 1000) + 5000,
    socketBufferBytes: 256 * 1024,
  };
}

/** A server's maxconn in HAProxy: its own C minus the connection its health check takes. */
export function serverMaxconn(backendMaxConnections: number): number {
  return backendMaxConnections - 1;
}

/** Descriptors HAProxy asks for: two per connection plus its own (about 17 measured with one server). */
export function descriptorsNeeded(settings: ProxySettings, servers: number): number {
  return 2 * settings.globalMaxconn + servers + 32;
}

/** The hard limit on open files of this process (children inherit it); null when unknown. */
export function openFileLimit(): number | null {
  try {
    const match = /Max open files\s+\S+\s+(\d+|unlimited)/.exec(readFileSync("/proc/self/limits", "utf8"));
    if (!match) return null;
    return match[1] === "unlimited" ? Number.POSITIVE_INFINITY : Number(match[1]);
  } catch {
    return null;
  }
}

/** Throws when HAProxy would refuse to start for want of descriptors ("Cannot raise FD limit"). */
export function checkDescriptors(settings: ProxySettings, servers: number, limit = openFileLimit()): void {
  if (limit === null) return;
  const needed = descriptorsNeeded(settings, servers);
  if (needed > limit) {
    const most = Math.floor((limit - servers - 32) / 2) - FRONTEND_HEADROOM - STATS_CONNECTIONS;
    throw new DescriptorLimitError(
      `--max-connections ${settings.limits.maxConnections} needs about ${needed} descriptors for HAProxy, more than this process may open (${limit}); use at most ${Math.max(0, most)} or raise ulimit -n`,
    );
  }
}
