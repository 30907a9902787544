/**
 * The servers' command line, word for word the same in both: the flags, their ranges, the usage
 * text. Pure: parsing only, no I/O (the main, `server-main.ts`, acts on the result).
 */
import {
  checkLimit,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  type FlagOption,
  type FlagValues,
  LIMIT_FLAGS,
  LIMITS,
  LimitError,
  parseFlags,
  type ServerLimits,
  stringFlag,
  UsageError,
} from "@bridgekeeper/spec";
import { DEFAULT_HOST } from "./running-server.js";

/** The parsed command line of a server. */
export type ServerCommand = { readonly kind: "help" } | { readonly kind: "version" } | ServeCommand;

/** The command line of a server that is to serve. */
export interface ServeCommand {
  readonly kind: "serve";
  readonly host: string;
  readonly port: number;
  /** Undefined: the canonical table. */
  readonly tablePath: string | undefined;
  readonly workers: number;
  readonly limits: ServerLimits;
}

export const MAX_WORKERS = 64;

export function serverUsage(program: string): string {
  const q = LIMITS.maxQuestionBytes;
  const h = LIMITS.highWaterMarkBytes;
  const i = LIMITS.idleTimeoutSeconds;
  const c = LIMITS.maxConnections;
  const s = LIMITS.shutdownTimeoutSeconds;
  return `Usage: ${program} [options]

A Launcelot server (spec/launcelot.md). Prints "listening on HOST:PORT" once listening; logs go to
standard error. SIGINT/SIGTERM shut it down gracefully; a second signal a second later exits at once.

Options:
  --host HOST               address to listen on (default 127.0.0.1; IPv6 as ::1)
  --port PORT               TCP port, 0 for any free one (default 1060)
  --table FILE              question table, JSON (default: the canonical table)
  --workers N               processes sharing the port, 1 to ${MAX_WORKERS} (default 1)
  --max-question BYTES      longest question, ${q.floor} to ${q.ceiling} (default ${q.default})
  --high-water-mark BYTES   output held per connection before reading stops, ${h.floor} to ${h.ceiling} (default ${h.default})
  --idle-timeout SECONDS    close connections idle this long, ${i.floor} to ${i.ceiling} (default ${i.default})
  --max-connections N       connections held at once, ${c.floor} to ${c.ceiling} (default ${c.default})
  --shutdown-timeout SECONDS  graceful-shutdown deadline, ${s.floor} to ${s.ceiling} (default ${s.default})
  --help                    this text
  --version                 the server's and the spec's version

Sizes take an optional suffix KiB or MiB (256KiB); times are seconds (decimals allowed).`;
}

const SIZE = /^(\d+)(KiB|MiB)?$/;

function parseSize(flag: string, text: string): number {
  const match = SIZE.exec(text);
  if (!match)
    throw new UsageError(`${flag} expects a size in bytes (e.g. 4096, 256KiB, 1MiB), got "${text}"`);
  const scale = match[2] === "MiB" ? 1024 * 1024 : match[2] === "KiB" ? 1024 : 1;
  return Number(match[1]) * scale;
}

function parseInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${flag} expects a whole number, got "${text}"`);
  return Number(text);
}

function parseSeconds(flag: string, text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`${flag} expects a number of seconds, got "${text}"`);
  return Number(text);
}

function limited<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof LimitError) throw new UsageError(error.message);
    throw error;
  }
}

const SERVER_FLAGS = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  host: { type: "string" },
  port: { type: "string" },
  table: { type: "string" },
  workers: { type: "string" },
  "max-question": { type: "string" },
  "high-water-mark": { type: "string" },
  "idle-timeout": { type: "string" },
  "max-connections": { type: "string" },
  "shutdown-timeout": { type: "string" },
} as const satisfies Record<string, FlagOption>;

/** The limits given on the command line, each checked against the spec's range. */
function limitsFrom(values: FlagValues): ServerLimits {
  const limits = { ...DEFAULT_LIMITS };
  const given = (flag: string): string | undefined => stringFlag(values, flag.slice(2));
  const q = given(LIMIT_FLAGS.maxQuestionBytes);
  if (q !== undefined)
    limits.maxQuestionBytes = limited(() =>
      checkLimit("maxQuestionBytes", parseSize(LIMIT_FLAGS.maxQuestionBytes, q)),
    );
  const h = given(LIMIT_FLAGS.highWaterMarkBytes);
  if (h !== undefined)
    limits.highWaterMarkBytes = limited(() =>
      checkLimit("highWaterMarkBytes", parseSize(LIMIT_FLAGS.highWaterMarkBytes, h)),
    );
  const i = given(LIMIT_FLAGS.idleTimeoutSeconds);
  if (i !== undefined)
    limits.idleTimeoutMs =
      limited(() => checkLimit("idleTimeoutSeconds", parseSeconds(LIMIT_FLAGS.idleTimeoutSeconds, i))) * 1000;
  const c = given(LIMIT_FLAGS.maxConnections);
  if (c !== undefined)
    limits.maxConnections = limited(() =>
      checkLimit("maxConnections", parseInteger(LIMIT_FLAGS.maxConnections, c)),
    );
  const d = given(LIMIT_FLAGS.shutdownTimeoutSeconds);
  if (d !== undefined)
    limits.shutdownTimeoutMs =
      limited(() =>
        checkLimit("shutdownTimeoutSeconds", parseSeconds(LIMIT_FLAGS.shutdownTimeoutSeconds, d)),
      ) * 1000;
  return limits;
}

/** Parses a server's arguments (without `node` and the script). Throws UsageError, one line. */
export function parseServerArgs(argv: readonly string[]): ServerCommand {
  const values = parseFlags(argv, SERVER_FLAGS);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const rawHost = stringFlag(values, "host") ?? DEFAULT_HOST;
  if (rawHost.length === 0) throw new UsageError("--host needs a value");
  const host = rawHost.startsWith("[") && rawHost.endsWith("]") ? rawHost.slice(1, -1) : rawHost;
  const portText = stringFlag(values, "port");
  const port = portText === undefined ? DEFAULT_PORT : parseInteger("--port", portText);
  if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, got ${port}`);
  const workersText = stringFlag(values, "workers");
  const workers = workersText === undefined ? 1 : parseInteger("--workers", workersText);
  if (workers < 1 || workers > MAX_WORKERS)
    throw new UsageError(`--workers must be from 1 to ${MAX_WORKERS}, got ${workers}`);
  const tablePath = stringFlag(values, "table");
  if (tablePath === "") throw new UsageError("--table needs a value");
  return { kind: "serve", host, port, tablePath, workers, limits: limitsFrom(values) };
}
