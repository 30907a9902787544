/**
 * The kernel's queues of a loopback TCP connection, read from /proc/net/tcp and /proc/net/tcp6:
 * `rxQueue` is what a socket has received and its process has not read yet, `txQueue` what it has
 * sent (or still holds to send) and the peer has not acknowledged. With both ends of a connection
 * on this host, they tell how many of a client's bytes the server process has really read:
 * the bytes the client's kernel took, minus what still waits on either side (a lower bound, since
 * bytes in flight may be counted on both sides).
 */
import { readFile } from "node:fs/promises";

export interface SocketQueues {
  readonly txQueue: number;
  readonly rxQueue: number;
  /** The kernel's state of the socket: "01" established, "08" close-wait (the peer's FIN received), ... */
  readonly state: string;
  /** False for a server's end still in its listen queue: no process has accepted it (its inode is 0). */
  readonly accepted: boolean;
}

interface TcpRow {
  /** The socket's state as the kernel prints it: "01" established, "08" close-wait, ... */
  readonly state: string;
  readonly localPort: number;
  readonly remotePort: number;
  readonly txQueue: number;
  readonly rxQueue: number;
  readonly inode: string;
}

/** Parses the rows of /proc/net/tcp or /proc/net/tcp6 (addresses are not needed: ports pair up). */
export function parseProcNetTcp(text: string): TcpRow[] {
  return parseRows(text.split("\n").slice(1));
}

function parseRows(lines: readonly string[]): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const remote = fields[2];
    const state = fields[3];
    const queues = fields[4];
    const inode = fields[9];
    if (local === undefined || remote === undefined || state === undefined || queues === undefined) continue;
    if (inode === undefined) continue;
    const [tx, rx] = queues.split(":");
    rows.push({
      state,
      localPort: Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16),
      remotePort: Number.parseInt(remote.slice(remote.lastIndexOf(":") + 1), 16),
      txQueue: Number.parseInt(tx ?? "0", 16),
      rxQueue: Number.parseInt(rx ?? "0", 16),
      inode,
    });
  }
  return rows;
}

/**
 * The rows with `port` at either end. Only lines naming the port are parsed: with thousands of
 * sockets on the host (TIME_WAIT after the churn cases), a case polling its connection reads the
 * tables hundreds of times.
 */
async function rowsWithPort(port: number): Promise<TcpRow[]> {
  const mark = `:${port.toString(16).toUpperCase().padStart(4, "0")} `;
  const texts = await Promise.all(
    ["/proc/net/tcp", "/proc/net/tcp6"].map((file) => readFile(file, "utf8").catch(() => "")),
  );
  const lines = texts.flatMap((text) => text.split("\n").filter((line) => line.includes(mark)));
  return parseRows(lines);
}

/** Both ends of the loopback connection from `clientPort` to `serverPort`, or null when not visible here. */
export async function connectionQueues(
  clientPort: number,
  serverPort: number,
): Promise<{ client: SocketQueues; server: SocketQueues } | null> {
  // An old connection of the same ports may linger in TIME_WAIT: prefer the established one.
  const all = (await rowsWithPort(clientPort)).sort(
    (a, b) => Number(b.state === "01") - Number(a.state === "01"),
  );
  const client = all.find((r) => r.localPort === clientPort && r.remotePort === serverPort);
  const server = all.find((r) => r.localPort === serverPort && r.remotePort === clientPort);
  if (!client || !server) return null;
  const queues = ({ txQueue, rxQueue, state, inode }: TcpRow): SocketQueues => ({
    txQueue,
    rxQueue,
    state,
    accepted: inode !== "0",
  });
  return { client: queues(client), server: queues(server) };
}

/**
 * At least how many of `handedToKernel` bytes the server process has read from the connection,
 * or null when the server's end is not on this host (a remote target, another network namespace).
 */
export async function bytesReadByServer(
  clientPort: number,
  serverPort: number,
  handedToKernel: number,
): Promise<number | null> {
  const queues = await connectionQueues(clientPort, serverPort);
  if (!queues) return null;
  return Math.max(0, handedToKernel - queues.client.txQueue - queues.server.rxQueue);
}

/**
 * Whether a process has accepted the server's end of the connection (false: it is still in the
 * listen queue), or null when the server's end is not on this host.
 */
export async function serverAccepted(clientPort: number, serverPort: number): Promise<boolean | null> {
  const queues = await connectionQueues(clientPort, serverPort);
  return queues ? queues.server.accepted : null;
}
