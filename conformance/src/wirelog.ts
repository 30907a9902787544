/**
 * The wire log of one case run: what each client sent (with split points and pauses), what came
 * back, and every fault applied. It renders as the transcript in failure reports.
 */
import { escapeBytes } from "./bytes.js";

export type WireEventKind =
  | "connect"
  | "send"
  | "pause"
  | "recv"
  | "fin"
  | "reset"
  | "eof"
  | "peer-reset"
  | "read-stop"
  | "read-resume"
  | "stall"
  | "note";

export interface WireEvent {
  readonly t: number;
  readonly conn: number;
  readonly kind: WireEventKind;
  readonly bytes?: Buffer;
  readonly size?: number;
  readonly text?: string;
}

const MAX_EVENTS = 400;
const MAX_BYTES_SHOWN = 200;

export class WireLog {
  private readonly start = performance.now();
  private readonly head: WireEvent[] = [];
  private readonly tail: WireEvent[] = [];
  private dropped = 0;
  private nextConn = 1;

  newConnectionId(): number {
    return this.nextConn++;
  }

  add(
    conn: number,
    kind: WireEventKind,
    detail: { bytes?: Uint8Array; size?: number; text?: string } = {},
  ): void {
    const event: WireEvent = {
      t: performance.now() - this.start,
      conn,
      kind,
      ...(detail.bytes
        ? { bytes: Buffer.from(detail.bytes.subarray(0, MAX_BYTES_SHOWN)), size: detail.bytes.length }
        : {}),
      ...(detail.size !== undefined ? { size: detail.size } : {}),
      ...(detail.text !== undefined ? { text: detail.text } : {}),
    };
    if (this.head.length < MAX_EVENTS / 2) {
      this.head.push(event);
      return;
    }
    this.tail.push(event);
    if (this.tail.length > MAX_EVENTS / 2) {
      this.tail.shift();
      this.dropped++;
    }
  }

  note(text: string, conn = 0): void {
    this.add(conn, "note", { text });
  }

  get events(): readonly WireEvent[] {
    return [...this.head, ...this.tail];
  }

  render(): string {
    const lines = this.head.map(renderEvent);
    if (this.dropped > 0) lines.push(`         ... ${this.dropped} events not shown ...`);
    lines.push(...this.tail.map(renderEvent));
    return lines.join("\n");
  }
}

const ARROWS: Record<WireEventKind, string> = {
  connect: "connect",
  send: ">",
  pause: "~ pause",
  recv: "<",
  fin: "> FIN (half-close)",
  reset: "> RST (reset)",
  eof: "< FIN (server closed)",
  "peer-reset": "< RST (server reset)",
  "read-stop": "~ stop reading",
  "read-resume": "~ resume reading",
  stall: "~ writes stalled",
  note: "#",
};

function renderEvent(event: WireEvent): string {
  const time = `${(event.t / 1000).toFixed(3)}s`.padStart(9);
  const who = event.conn > 0 ? `c${event.conn}` : "--";
  let body = ARROWS[event.kind];
  if (event.bytes) {
    body += ` ${escapeBytes(event.bytes, MAX_BYTES_SHOWN)}`;
    const size = event.size ?? event.bytes.length;
    if (size > event.bytes.length) body += ` (${size} bytes in all)`;
  } else if (event.size !== undefined) {
    body += ` ${event.size} bytes`;
  }
  if (event.text !== undefined) body += ` ${event.text}`;
  return `${time} ${who} ${body}`;
}
