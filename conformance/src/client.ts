/**
 * One real TCP client for a case: Nagle off, every write, pause, half-close and reset recorded in
 * the wire log. Waits are progress timeouts: they end early on any byte, never judge speed.
 */
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { drained } from "@bridgekeeper/client-kit";
import type { StallWatch } from "./run/lane.js";
import type { WireLog } from "./wirelog.js";

export type WaitOutcome = "done" | "closed" | "timeout";

/** How much of what a client writes is kept for the diagnosis of a wrong reply. */
const WRITES_KEPT = 1024 * 1024;

export interface ClientOptions {
  /** Keep received bytes (default true); a streaming consumer sets false and uses onData. */
  keep?: boolean;
  /** Log received chunks in the wire log (default true). */
  logReceived?: boolean;
}

export class WireClient {
  readonly id: number;
  private readonly chunks: Buffer[] = [];
  private total = 0;
  private joined: Buffer | null = null;
  private waiters: Array<() => void> = [];
  /** The server sent FIN. */
  eof = false;
  /** The server reset the connection (or another socket error happened). */
  peerError: string | null = null;
  /** The socket is fully closed. */
  closed = false;
  onData: ((chunk: Buffer) => void) | null = null;
  /** What this client wrote, write by write (for the diagnosis of a wrong reply), up to WRITES_KEPT bytes. */
  readonly writes: Buffer[] = [];
  /** How many bytes had been received when each of `writes` was made (writes a reply came between were not coalesced). */
  readonly receivedAtWrite: number[] = [];
  private writtenBytes = 0;
  /** The client sent its FIN. */
  finSent = false;
  /** The other clients of the same case (set by the pool that opened it). */
  companions: () => readonly WireClient[] = () => [];
  /** Opens another client of the same case, to the same server (set by the pool). */
  openSibling: () => Promise<WireClient> = () => Promise.reject(new Error("no pool"));
  /** How many of the suite's connections to this server are open now, every case's (set by the pool). */
  openToServer: () => number = () => 0;
  /** How many of the suite's connections to this server belong to other cases (running beside this one). */
  get openBesideCase(): number {
    return this.openToServer() - this.companions().filter((c) => !c.closed).length;
  }
  /** Lets the case's lane go when a progress wait stalls (set by the pool of a case in turn). */
  stallWatch: StallWatch | undefined;
  private readonly keep: boolean;
  private readonly logReceived: boolean;

  private constructor(
    readonly socket: Socket,
    private readonly log: WireLog,
    options: ClientOptions,
  ) {
    this.id = log.newConnectionId();
    this.keep = options.keep ?? true;
    this.logReceived = options.logReceived ?? true;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => {
      this.total += chunk.length;
      if (this.keep) {
        this.chunks.push(chunk);
        this.joined = null;
      }
      if (this.logReceived) this.log.add(this.id, "recv", { bytes: chunk });
      this.onData?.(chunk);
      this.wake();
    });
    socket.on("end", () => {
      this.eof = true;
      this.log.add(this.id, "eof");
      this.wake();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.peerError = error.code ?? error.message;
      this.log.add(this.id, "peer-reset", { text: this.peerError });
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(
    host: string,
    port: number,
    log: WireLog,
    timeoutMs: number,
    options: ClientOptions = {},
  ): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, allowHalfOpen: true, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        const client = new WireClient(socket, log, options);
        log.add(client.id, "connect", { text: `${host}:${port} (local port ${socket.localPort})` });
        resolve(client);
      });
      socket.once("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(`connect to ${host}:${port} failed: ${error.code ?? error.message}`));
      });
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Bytes received so far (kept mode). */
  get received(): Buffer {
    if (this.joined === null) {
      this.joined = Buffer.concat(this.chunks);
      this.chunks.length = 0;
      this.chunks.push(this.joined);
    }
    return this.joined;
  }

  get receivedCount(): number {
    return this.total;
  }

  /** The client's own port: with the server's, it names the connection in /proc/net/tcp. */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Bytes given to push()/send() that Node still holds, not yet handed to the kernel (at most). */
  get unsentBytes(): number {
    return this.socket.writableLength;
  }

  /** The connection ended from the server's side (FIN or reset) or is closed. */
  get ended(): boolean {
    return this.eof || this.peerError !== null || this.closed;
  }

  /** Keeps a write for the diagnosis; past WRITES_KEPT bytes the conversation is too long to replay. */
  private keepWrite(bytes: Uint8Array): void {
    this.writtenBytes += bytes.length;
    if (this.writtenBytes <= WRITES_KEPT) {
      this.writes.push(Buffer.from(bytes));
      this.receivedAtWrite.push(this.total);
    }
  }

  /** Bytes written so far (handed to the socket, not necessarily to the kernel yet). */
  get writtenCount(): number {
    return this.writtenBytes;
  }

  /** Every write is kept (a short conversation the diagnosis can replay). */
  get writesComplete(): boolean {
    return this.writtenBytes <= WRITES_KEPT;
  }

  /** Writes bytes and resolves once Node handed them to the kernel (or failed). */
  send(bytes: Uint8Array, note?: string): Promise<boolean> {
    this.log.add(this.id, "send", note === undefined ? { bytes } : { bytes, text: note });
    this.keepWrite(bytes);
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.socket.write(bytes, (error) => resolve(!error));
    });
  }

  /** Write without waiting; returns Node's backpressure signal (false: buffered past its mark). */
  push(bytes: Uint8Array): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    this.keepWrite(bytes);
    return this.socket.write(bytes);
  }

  async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    this.log.add(this.id, "pause", { text: `${ms} ms` });
    await sleep(ms);
  }

  stopReading(): void {
    this.log.add(this.id, "read-stop");
    this.socket.pause();
  }

  resumeReading(): void {
    this.log.add(this.id, "read-resume");
    this.socket.resume();
  }

  /** Half-close: FIN after everything written so far. */
  finish(): void {
    this.log.add(this.id, "fin");
    this.finSent = true;
    if (!this.socket.destroyed) this.socket.end();
  }

  /** Abrupt close: RST (SO_LINGER 0). */
  reset(): void {
    this.log.add(this.id, "reset");
    if (this.socket.destroyed) return;
    try {
      this.socket.resetAndDestroy();
    } catch {
      this.socket.destroy();
    }
  }

  destroy(): void {
    if (!this.socket.destroyed) this.socket.destroy();
  }

  /** Resolves when `ready()` holds, the connection ends, or no byte arrived for `idleMs`. */
  waitUntil(ready: () => boolean, idleMs: number): Promise<WaitOutcome> {
    const watch = this.stallWatch && idleMs >= this.stallWatch.progressWaitMs ? this.stallWatch : undefined;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let stall: NodeJS.Timeout | undefined;
      const stop = (): void => {
        clearTimeout(timer);
        clearTimeout(stall);
      };
      const arm = (): void => {
        stop();
        timer = setTimeout(() => {
          clearTimeout(stall);
          this.waiters = this.waiters.filter((w) => w !== check);
          resolve("timeout");
        }, idleMs);
        if (watch)
          stall = setTimeout(
            () => watch.hold.release(`no byte for ${watch.stallMs / 1000} s of a reply owed`),
            watch.stallMs,
          );
      };
      const check = (): void => {
        if (ready()) {
          stop();
          resolve("done");
        } else if (this.ended) {
          stop();
          resolve("closed");
        } else {
          arm();
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** Waits for at least `count` bytes in all. */
  waitForBytes(count: number, idleMs: number): Promise<WaitOutcome> {
    return this.waitUntil(() => this.total >= count, idleMs);
  }

  /** Waits for the server to end the connection (FIN or reset); "done" means it ended. */
  async waitForEnd(idleMs: number): Promise<WaitOutcome> {
    const outcome = await this.waitUntil(() => this.ended, idleMs);
    return outcome === "closed" ? "done" : outcome;
  }

  /** Waits until the socket is writable again after a false push(); false when `ms` passed. */
  waitForDrain(ms: number): Promise<boolean> {
    return drained(this.socket, ms);
  }
}

/** The suite's open connections per server address, across the cases that overlap. */
const openByAddress = new Map<string, number>();

function countOpen(address: string, delta: number): void {
  const count = (openByAddress.get(address) ?? 0) + delta;
  if (count > 0) openByAddress.set(address, count);
  else openByAddress.delete(address);
}

/** Every client a case opened, so the runner can destroy them all when the case ends or aborts. */
export class ClientPool {
  private readonly clients = new Set<WireClient>();
  /** Every client opened, closed ones too (for the diagnosis of one client served at a time). */
  private readonly everyClient: WireClient[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    readonly log: WireLog,
    private readonly connectTimeoutMs: number,
    private readonly signal?: AbortSignal,
    private readonly stallWatch?: StallWatch,
  ) {
    signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  private readonly onAbort = (): void => this.closeAll();

  async open(options: ClientOptions = {}): Promise<WireClient> {
    if (this.signal?.aborted) throw new Error("the run was interrupted");
    const client = await WireClient.open(this.host, this.port, this.log, this.connectTimeoutMs, options);
    this.clients.add(client);
    if (this.everyClient.length < 1024) this.everyClient.push(client);
    client.companions = () => this.everyClient;
    client.openSibling = () => this.open();
    client.stallWatch = this.stallWatch;
    const address = `${this.host}:${this.port}`;
    countOpen(address, 1);
    client.openToServer = () => openByAddress.get(address) ?? 0;
    client.socket.once("close", () => {
      this.clients.delete(client);
      countOpen(address, -1);
    });
    return client;
  }

  get openCount(): number {
    return this.clients.size;
  }

  closeAll(): void {
    for (const client of this.clients) client.destroy();
    this.clients.clear();
  }

  /** Closes every client and detaches from the run's abort signal (the end of a run). */
  dispose(): void {
    this.signal?.removeEventListener("abort", this.onAbort);
    this.closeAll();
  }
}
