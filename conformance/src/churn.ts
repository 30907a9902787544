/**
 * Connection churn for RESOURCE-4: thousands of short connections served one after another, a few
 * at a time, each asking one question, reading its reply, then ending with a FIN or a reset.
 * Plain sockets, not WireClients: twenty thousand conversations are not kept in the transcript,
 * only their count and the first that went wrong. Most end with a reset, which leaves no
 * TIME_WAIT behind (a FIN from the client leaves one for a minute, and ephemeral ports are few).
 */
import { connect, type Socket } from "node:net";
import { ANSWER_END } from "@bridgekeeper/spec";

export interface ChurnOptions {
  readonly host: string;
  readonly port: number;
  readonly question: Buffer;
  readonly reply: Buffer;
  /** Connections open at once. */
  readonly concurrency: number;
  /** No byte for this long ends a connection as "no reply". */
  readonly waitMs: number;
  readonly signal: AbortSignal;
}

/** How a churned connection went wrong, with its number (0-based) and how it ended. */
export interface ChurnFailure {
  readonly index: number;
  readonly kind: "refused" | "wrong-reply" | "no-reply" | "closed" | "client";
  readonly detail: string;
}

/** Every FIN_EVERY-th connection ends with a FIN, the others with a reset. */
export const FIN_EVERY = 16;

function failure(index: number, kind: ChurnFailure["kind"], detail: string): ChurnFailure {
  return { index, kind, detail };
}

/** One conversation: connect, ask, read the reply, end; null when it went as the spec says. */
function serveOne(index: number, options: ChurnOptions): Promise<ChurnFailure | null> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: options.host, port: options.port, noDelay: true });
    let received = Buffer.alloc(0);
    let connected = false;
    let settled = false;
    const done = (result: ChurnFailure | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners("data");
      socket.removeAllListeners("close");
      socket.on("error", () => {});
      if (result === null && index % FIN_EVERY === 0) socket.end();
      else socket.resetAndDestroy();
      resolve(result);
    };
    const timer = setTimeout(
      () => done(failure(index, "no-reply", `no reply within ${options.waitMs} ms`)),
      options.waitMs,
    );
    socket.on("connect", () => {
      connected = true;
      socket.write(options.question);
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // Complete at the reply's length or at a '.' (a wrong reply may be shorter).
      if (received.length < options.reply.length && !received.includes(ANSWER_END)) return;
      done(
        received.equals(options.reply)
          ? null
          : failure(index, "wrong-reply", JSON.stringify(received.toString("latin1"))),
      );
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const kind = !connected && error.code === "ECONNREFUSED" ? "refused" : connected ? "closed" : "client";
      done(failure(index, kind, error.code ?? error.message));
    });
    socket.on("close", () => done(failure(index, "closed", `closed after ${received.length} bytes`)));
  });
}

/** Serves `count` connections, `concurrency` at a time; the first failure stops the churn. */
export async function churn(
  count: number,
  options: ChurnOptions,
): Promise<{ served: number; failure: ChurnFailure | null }> {
  let next = 0;
  let served = 0;
  let first: ChurnFailure | null = null;
  const worker = async (): Promise<void> => {
    while (next < count && first === null && !options.signal.aborted) {
      const result = await serveOne(next++, options);
      if (result) first ??= result;
      else served++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { served, failure: first };
}
