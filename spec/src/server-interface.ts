/**
 * What both servers share word for word: the command line, the options of `startServer`, and the
 * counters of `stats()`. Pure: parsing only, no I/O.
 */
import { DEFAULT_PORT, LIMITS } from "./constants.js";
import { LimitError, UsageError } from "./errors.js";
import { type FlagOption, type FlagValues, parseFlags, stringFlag } from "./flags.js";
import { checkLimit, DEFAULT_LIMITS, LIMIT_FLAGS, type ServerLimits } from "./limits.js";
import type { QuestionTable } from "./table.js";

/** Options of `startServer` in both implementations. */
export interface ServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 1060; 0 picks a free port. */
  readonly port?: number;
  /** Default: the canonical table. */
  readonly table?: QuestionTable;
  readonly limits?: Partial<ServerLimits>;
  /** Where log lines go (one line each, no newline); default: standard error. */
  readonly log?: (line: string) => void;
}

/** Counters of `stats()`, identical in both servers. */
export interface ServerStats {
  connectionsOpen: number;
  connectionsTotal: number;
  /** Connections closed at once because the connection limit was reached (CONN-2). */
  connectionsRefused: number;
  questionsAnswered: number;
  unknownQuestions: number;
  tooLongQuestions: number;
  bytesIn: number;
  bytesOut: number;
  /** Times reading from a client was paused because its output was past the high-water mark. */
  backpressurePauses: number;
  /** Writes the kernel (or runtime) did not take whole. */
  partialWrites: number;
  /** Output held by the server, not yet taken by the kernel, over all connections: now and peak. */
  queuedOutputBytes: number;
  peakQueuedOutputBytes: number;
  /** The largest output held for one connection at any time. */
  peakConnectionQueuedBytes: number;
  /** Connections ended by the client's reset (ECONNRESET, EPIPE). */
  resets: number;
  /** Connections closed by the idle timeout. */
  idleClosed: number;
}

export function newServerStats(): ServerStats {
  return {
    connectionsOpen: 0,
    connectionsTotal: 0,
    connectionsRefused: 0,
    questionsAnswered: 0,
    unknownQuestions: 0,
    tooLongQuestions: 0,
    bytesIn: 0,
    bytesOut: 0,
    backpressurePauses: 0,
    partialWrites: 0,
    queuedOutputBytes: 0,
    peakQueuedOutputBytes: 0,
    peakConnectionQueuedBytes: 0,
    resets: 0,
    idleClosed: 0,
  };
}

/** What a running server hands back, in both implementations. */
export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Graceful close: stop accepting, finish owed answers, close connections within the deadline. */
  close(): Promise<void>;
  stats(): ServerStats;
}

/** The parsed command line of a server. */
export type ServerCommand =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | {
      readonly kind: "serve";
      readonly host: string;
      readonly port: number;
      /** Undefined: the canonical table. */
      readonly tablePath: string | undefined;
      readonly workers: number;
      readonly limits: ServerLimits;
    };

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
  const rawHost = stringFlag(values, "host") ?? "127.0.0.1";
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

/** `HOST:PORT`, with IPv6 hosts in brackets, as in the `listening on` line. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
