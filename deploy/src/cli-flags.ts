/** The cluster's command line (node:util parseArgs), checked into options; one-line errors. */

import { parseArgs } from "node:util";
import { UsageError } from "@bridgekeeper/spec";
import { type BackendSpec, parseBackends } from "./backends.js";
import { type ClusterLimits, DEFAULT_CLUSTER_LIMITS } from "./proxy-settings.js";

export const USAGE = `usage: npm run -s cluster -- [options]

Starts HAProxy in front of Launcelot servers on loopback, prints "listening on HOST:PORT" (the
frontend) once every backend is UP, and stops everything on SIGINT or SIGTERM.

options:
  --backends LIST          node, bun or HOST:PORT, comma-separated (default node,bun)
  --host HOST              the frontend's address (default 127.0.0.1)
  --port PORT              the frontend's port (default 0: a free port)
  --idle-timeout SECONDS   I of every backend; HAProxy's timeouts are I + 2 s (default ${DEFAULT_CLUSTER_LIMITS.idleTimeoutSec})
  --max-connections N      C of the cluster: the frontend closes connection C + 1 at once
                           (default ${DEFAULT_CLUSTER_LIMITS.maxConnections}); each launched backend gets C + 1
  --server-max-connections N  C of each HOST:PORT backend (default: C + 1)
  --shutdown-timeout SECONDS  D of every backend (default ${DEFAULT_CLUSTER_LIMITS.shutdownTimeoutSec})
  --max-question BYTES     Q of every launched backend (default: the servers' own)
  --table FILE             the backends' question table; the health check asks its first short entry
  --haproxy PATH           the haproxy binary (default: PATH, /usr/sbin, /usr/local/sbin)
  --print-config           print the rendered haproxy.cfg for HOST:PORT backends and exit
  --stats-socket PATH      with --print-config: the stats socket (default /run/haproxy/launcelot.sock)
  --help                   this text`;

export interface ClusterFlags {
  readonly help: boolean;
  readonly printConfig: boolean;
  readonly backends: readonly BackendSpec[];
  readonly host: string;
  readonly port: number;
  readonly limits: ClusterLimits;
  readonly serverMaxConnections?: number;
  readonly maxQuestion?: number;
  readonly tablePath?: string;
  readonly haproxy?: string;
  readonly statsSocket: string;
}

/** Runs a node:util parseArgs call; its errors become one-line usage errors. */
export function asUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (see the file's header for its flags)`);
  }
}

function numberFlag(flag: string, text: string | undefined, fallback: number, integer: boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < 0) {
    throw new UsageError(`--${flag} must be a ${integer ? "whole " : ""}number, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function parseClusterFlags(argv: readonly string[]): ClusterFlags {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        backends: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "idle-timeout": { type: "string" },
        "max-connections": { type: "string" },
        "server-max-connections": { type: "string" },
        "shutdown-timeout": { type: "string" },
        "max-question": { type: "string" },
        table: { type: "string" },
        haproxy: { type: "string" },
        "print-config": { type: "boolean" },
        "stats-socket": { type: "string" },
        help: { type: "boolean" },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split("\n")[0]} (see --help)`);
  }
  const text = (name: string): string | undefined => values[name] as string | undefined;
  const port = numberFlag("port", text("port"), 0, true);
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, got ${port}`);
  const d = DEFAULT_CLUSTER_LIMITS;
  const optional = (name: string): number | undefined =>
    text(name) === undefined ? undefined : numberFlag(name, text(name), 0, true);
  const serverMaxConnections = optional("server-max-connections");
  const maxQuestion = optional("max-question");
  const tablePath = text("table");
  const haproxy = text("haproxy");
  return {
    help: values.help === true,
    printConfig: values["print-config"] === true,
    backends: parseBackends(text("backends") ?? "node,bun"),
    host: text("host") ?? "127.0.0.1",
    port,
    limits: {
      idleTimeoutSec: numberFlag("idle-timeout", text("idle-timeout"), d.idleTimeoutSec, false),
      maxConnections: numberFlag("max-connections", text("max-connections"), d.maxConnections, true),
      shutdownTimeoutSec: numberFlag(
        "shutdown-timeout",
        text("shutdown-timeout"),
        d.shutdownTimeoutSec,
        false,
      ),
    },
    ...(serverMaxConnections !== undefined ? { serverMaxConnections } : {}),
    ...(maxQuestion !== undefined ? { maxQuestion } : {}),
    ...(tablePath !== undefined ? { tablePath } : {}),
    ...(haproxy !== undefined ? { haproxy } : {}),
    statsSocket: text("stats-socket") ?? "/run/haproxy/launcelot.sock",
  };
}
