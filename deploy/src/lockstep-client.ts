/**
 * A lock-step Launcelot client, as in the seed: one question, read its reply, compare it byte for
 * byte with the table's answer, repeat. Every ask ends in one outcome; nothing throws.
 */
import { connect, type Socket } from "node:net";

export type AskOutcome = "ok" | "wrong" | "closed" | "timeout";

export class LockstepClient {
  private buffered: Buffer = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  /** Connects with Nagle off; rejects when the connection is refused or takes longer than `timeoutMs`. */
  static open(host: string, port: number, timeoutMs: number): Promise<LockstepClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new LockstepClient(socket));
      });
    });
  }

  /** The client's own port: HAProxy's `show sess` names the server of each source port. */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Sends `question` and waits for as many bytes as `answer` has (or the end, or the timeout). */
  async ask(question: Uint8Array, answer: Uint8Array, timeoutMs: number): Promise<AskOutcome> {
    if (this.ended) return "closed";
    this.socket.write(question);
    const deadline = performance.now() + timeoutMs;
    while (this.buffered.length < answer.length && !this.ended) {
      const left = deadline - performance.now();
      if (left <= 0) return "timeout";
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    if (this.buffered.length < answer.length) return "closed";
    const reply = this.buffered.subarray(0, answer.length);
    this.buffered = this.buffered.subarray(answer.length);
    return Buffer.compare(reply, answer) === 0 ? "ok" : "wrong";
  }

  destroy(): void {
    this.socket.destroy();
  }
}
