/**
 * HAProxy's stats socket, read only: `show stat` (each server's state and session counts) and
 * `show sess` (which server each client connection went to). One command per connection.
 */
import { connect } from "node:net";
import { StatsSocketError } from "./errors.js";

/** Sends one command and resolves with everything HAProxy answers before it closes the socket. */
export function statsCommand(socketPath: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ path: socketPath });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new StatsSocketError(`${socketPath}: no answer to "${command}" within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => socket.end(`${command}\n`));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(new StatsSocketError(`${socketPath}: ${error.message}`));
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    });
  });
}

export interface ServerState {
  readonly name: string;
  /** UP, DOWN, "UP 1/2" (going down), "DOWN 1/2" (going up), MAINT, NOLB, no check. */
  readonly status: string;
  /** The last check's result, e.g. L7OK, L4CON (refused), L7TOUT (no answer in time); "* " while one runs. */
  readonly checkStatus: string;
  /** Connections the server holds now. */
  readonly sessions: number;
  /** Connections it was given since HAProxy started. */
  readonly totalSessions: number;
}

/** Parses `show stat` CSV: the servers of one backend (FRONTEND and BACKEND rows left out). */
export function parseServerStates(csv: string, backend: string): ServerState[] {
  const lines = csv.split("\n").filter((l) => l.trim() !== "");
  const header = lines[0]?.replace(/^# /, "").split(",") ?? [];
  const column = (name: string): number => {
    const index = header.indexOf(name);
    if (index === -1) throw new StatsSocketError(`show stat: no column ${name}`);
    return index;
  };
  const [px, sv, status, check, scur, stot] = [
    "pxname",
    "svname",
    "status",
    "check_status",
    "scur",
    "stot",
  ].map(column) as [number, number, number, number, number, number];
  return lines
    .slice(1)
    .map((line) => line.split(","))
    .filter((f) => f[px] === backend && f[sv] !== "BACKEND" && f[sv] !== "FRONTEND")
    .map((f) => ({
      name: f[sv] as string,
      status: f[status] as string,
      checkStatus: f[check] as string,
      sessions: Number(f[scur]),
      totalSessions: Number(f[stot]),
    }));
}

export async function serverStates(socketPath: string, backend: string): Promise<ServerState[]> {
  return parseServerStates(await statsCommand(socketPath, "show stat"), backend);
}

/** Parses `show sess`: the client's source port -> the server its connection went to. */
export function parseSessionServers(text: string): Map<number, string> {
  const servers = new Map<number, string>();
  for (const match of text.matchAll(/ proto=tcpv[46] src=\S*:(\d+) fe=\S+ be=\S+ srv=(\S+)/g)) {
    servers.set(Number(match[1]), match[2] as string);
  }
  return servers;
}

export async function sessionServers(socketPath: string): Promise<Map<number, string>> {
  return parseSessionServers(await statsCommand(socketPath, "show sess"));
}
