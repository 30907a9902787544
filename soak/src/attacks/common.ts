/** What every attack shares: where it aims, how it says it is in full swing, and opening many connections. */
import { connect, type Socket } from "node:net";

export interface AttackTarget {
  readonly host: string;
  readonly port: number;
}

/** An attack's figures: counts and bytes, all numbers. */
export type AttackFigures = Record<string, number>;

/** Called once when the attack has reached its steady state (all its connections open, say). */
export type Ready = () => void;

/** Connects; resolves with the socket, or undefined when the connect fails. The socket never throws on a reset. */
export function open(
  target: AttackTarget,
  beforeConnect?: (socket: Socket) => void,
): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, noDelay: true });
    beforeConnect?.(socket);
    socket.on("error", () => resolve(undefined));
    socket.once("connect", () => resolve(socket));
  });
}

/** Opens `count` connections, at most `concurrency` connects at a time; failed ones are left out. */
export async function openMany(
  target: AttackTarget,
  count: number,
  concurrency: number,
  beforeConnect?: (socket: Socket) => void,
): Promise<Socket[]> {
  const sockets: Socket[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      const socket = await open(target, beforeConnect);
      if (socket !== undefined) sockets.push(socket);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return sockets;
}

/** Ends sockets with a reset, so the generator leaves no TIME_WAIT behind. */
export function resetAll(sockets: Iterable<Socket>): void {
  for (const socket of sockets) if (!socket.destroyed) socket.resetAndDestroy();
}
