/**
 * What both servers share word for word: the command line, the options of `startServer`, and the
 * counters of `stats()`. Pure: parsing only, no I/O.
 */
import { LIMITS } from "./constants.js";
import { BridgekeeperError, LimitError } from "./errors.js";
import { checkLimit, DEFAULT_LIMITS, LIMIT_FLAGS, type ServerLimits } from "./limits.js";
import type { QuestionTable } from "./table.js";

export class UsageError extends BridgekeeperError {
  constructor(message: string) {
    super("E_USAGE", message);
  }
}

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

/** Parses a server's arguments (without `node` and the script). Throws UsageError, one line. */
export function parseServerArgs(argv: readonly string[]): ServerCommand {
  let host = "127.0.0.1";
  let port = 1060;
  let tablePath: string | undefined;
  let workers = 1;
  const limits = { ...DEFAULT_LIMITS };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--version" || arg === "-V") return { kind: "version" };
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    let value: string;
    const takeValue = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`${flag} needs a value`);
      i++;
      return next;
    };
    if (seen.has(flag)) throw new UsageError(`${flag} given twice`);
    seen.add(flag);
    switch (flag) {
      case "--host":
        value = takeValue();
        if (value.length === 0) throw new UsageError("--host needs a value");
        host = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
        break;
      case "--port":
        port = parseInteger(flag, takeValue());
        if (port > 65535) throw new UsageError(`--port must be from 0 to 65535, got ${port}`);
        break;
      case "--table":
        tablePath = takeValue();
        break;
      case "--workers":
        workers = parseInteger(flag, takeValue());
        if (workers < 1 || workers > MAX_WORKERS) {
          throw new UsageError(`--workers must be from 1 to ${MAX_WORKERS}, got ${workers}`);
        }
        break;
      case LIMIT_FLAGS.maxQuestionBytes:
        limits.maxQuestionBytes = limited(() => checkLimit("maxQuestionBytes", parseSize(flag, takeValue())));
        break;
      case LIMIT_FLAGS.highWaterMarkBytes:
        limits.highWaterMarkBytes = limited(() =>
          checkLimit("highWaterMarkBytes", parseSize(flag, takeValue())),
        );
        break;
      case LIMIT_FLAGS.idleTimeoutSeconds:
        limits.idleTimeoutMs =
          limited(() => checkLimit("idleTimeoutSeconds", parseSeconds(flag, takeValue()))) * 1000;
        break;
      case LIMIT_FLAGS.maxConnections:
        limits.maxConnections = limited(() => checkLimit("maxConnections", parseInteger(flag, takeValue())));
        break;
      case LIMIT_FLAGS.shutdownTimeoutSeconds:
        limits.shutdownTimeoutMs =
          limited(() => checkLimit("shutdownTimeoutSeconds", parseSeconds(flag, takeValue()))) * 1000;
        break;
      default:
        throw new UsageError(
          arg.startsWith("-")
            ? `unknown option ${flag} (see --help)`
            : `unexpected argument "${arg}" (see --help)`,
        );
    }
  }
  return { kind: "serve", host, port, tablePath, workers, limits };
}

/** `HOST:PORT`, with IPv6 hosts in brackets, as in the `listening on` line. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
