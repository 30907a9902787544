/**
 * Renders deploy/haproxy/haproxy.cfg: every {{name}} of the template gets its value, the server
 * lines replace {{servers}}, and the health check asks a question of the servers' own table.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type QuestionTable, type TableEntry, UsageError } from "@bridgekeeper/spec";
import { packageDir } from "@bridgekeeper/spec/package-dir";
import { type ProxySettings, serverMaxconn } from "./proxy-settings.js";

export const TEMPLATE_PATH: string = join(packageDir(import.meta.url), "haproxy", "haproxy.cfg");

export interface ConfigServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The server's own C (what it was started with): its maxconn in HAProxy is one less. */
  readonly maxConnections: number;
}

export interface ConfigInput {
  readonly bindHost: string;
  readonly bindPort: number;
  readonly statsSocket: string;
  readonly settings: ProxySettings;
  readonly servers: readonly ConfigServer[];
  readonly check: TableEntry;
}

/** Answers longer than this are never used by the check: HAProxy reads it into one 16 KiB buffer. */
const CHECK_ANSWER_MAX_BYTES = 1024;

/** The table entry the health check asks: the first whose answer is short (the canonical table: its first). */
export function checkEntry(table: QuestionTable): TableEntry {
  const entry = table.entries.find((e) => e.answer.length <= CHECK_ANSWER_MAX_BYTES);
  if (!entry) {
    throw new UsageError(
      `table ${table.name}: no answer of at most ${CHECK_ANSWER_MAX_BYTES} bytes for the health check to expect`,
    );
  }
  return entry;
}

/** An HAProxy "string" argument when every byte is plain printable ASCII; null otherwise. */
function quoted(bytes: Uint8Array): string | null {
  for (const byte of bytes) {
    // Quotes, backslash, $ (environment expansion) and # (comments) mean something to the parser.
    if (byte < 0x20 || byte > 0x7e || byte === 0x22 || byte === 0x5c || byte === 0x24 || byte === 0x23) {
      return null;
    }
  }
  return `"${Buffer.from(bytes).toString("latin1")}"`;
}

/** The tcp-check send and expect arguments: readable strings, or hex when any byte is not plain ASCII. */
export function checkDirectives(entry: TableEntry): { send: string; expect: string } {
  const question = quoted(entry.question);
  const answer = quoted(entry.answer);
  if (question !== null && answer !== null) return { send: `send ${question}`, expect: `string ${answer}` };
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
  return { send: `send-binary ${hex(entry.question)}`, expect: `binary ${hex(entry.answer)}` };
}

/** An address as HAProxy reads it; IPv6 needs the ipv6@ prefix (the port follows the last colon). */
export function haproxyAddress(host: string, port: number): string {
  return host.includes(":") ? `ipv6@${host}:${port}` : `${host}:${port}`;
}

/** A duration as HAProxy reads it. */
export function haproxyDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.ceil(ms)}ms`;
}

function serverLines(servers: readonly ConfigServer[]): string {
  const names = new Set<string>();
  for (const server of servers) {
    if (!/^[A-Za-z0-9_.-]+$/.test(server.name) || names.has(server.name)) {
      throw new UsageError(`server name ${JSON.stringify(server.name)} is not a unique HAProxy name`);
    }
    names.add(server.name);
  }
  return servers
    .map(
      (s) =>
        `    server ${s.name} ${haproxyAddress(s.host, s.port)} check maxconn ${serverMaxconn(s.maxConnections)}`,
    )
    .join("\n");
}

function summary(input: ConfigInput): string {
  const { limits } = input.settings;
  return (
    `Rendered for I = ${limits.idleTimeoutSec} s, C = ${limits.maxConnections}, D = ${limits.shutdownTimeoutSec} s; ` +
    `health check: ${JSON.stringify(input.check.questionText)} -> ${JSON.stringify(input.check.answerText)}`
  );
}

/** Fills the template; every placeholder must be known and every value used. */
export function renderConfig(
  input: ConfigInput,
  template: string = readFileSync(TEMPLATE_PATH, "utf8"),
): string {
  if (input.servers.length === 0) throw new UsageError("a cluster needs at least one backend");
  const s = input.settings;
  const { send, expect } = checkDirectives(input.check);
  const values: Record<string, string> = {
    summary: summary(input),
    bind: haproxyAddress(input.bindHost, input.bindPort),
    stats_socket: input.statsSocket,
    global_maxconn: String(s.globalMaxconn),
    frontend_maxconn: String(s.frontendMaxconn),
    max_connections: String(s.limits.maxConnections),
    proxy_timeout: haproxyDuration(s.proxyTimeoutMs),
    connect_timeout: haproxyDuration(s.connectTimeoutMs),
    check_interval: haproxyDuration(s.checkIntervalMs),
    check_timeout: haproxyDuration(s.checkTimeoutMs),
    check_rise: String(s.checkRise),
    check_fall: String(s.checkFall),
    hard_stop_after: haproxyDuration(s.hardStopAfterMs),
    socket_buffer: String(s.socketBufferBytes),
    check_send: send,
    check_expect: expect,
    servers: serverLines(input.servers),
  };
  const unused = new Set(Object.keys(values));
  const text = template.replace(/\{\{([a-z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new UsageError(`haproxy template: unknown placeholder {{${name}}}`);
    unused.delete(name);
    return value;
  });
  if (unused.size > 0) {
    throw new UsageError(`haproxy template: no place for ${[...unused].map((n) => `{{${n}}}`).join(", ")}`);
  }
  return text;
}
