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
  /** For sends and receives: the offset of the first byte in that connection's stream, that direction. */
  readonly at?: number;
  readonly text?: string;
}

/** One event of the serialisable wire log (JSON report, HTML diagrams): bytes as an escaped excerpt. */
export interface WireRecordEvent {
  /** Milliseconds since the case run started. */
  readonly t: number;
  readonly conn: number;
  readonly kind: WireEventKind;
  /** Bytes written or read in all (sends, receives), or the size a note gives. */
  readonly size?: number;
  /** Offset of the first byte in the connection's stream in that direction (sends, receives). */
  readonly at?: number;
  /** The bytes, escaped as the text transcript shows them (at most 200 bytes). */
  readonly excerpt?: string;
  readonly text?: string;
}

/** The wire log of a run as data: the first and last events, and how many were dropped between them. */
export interface WireRecord {
  readonly events: WireRecordEvent[];
  /** Events not kept (between the head and the tail). */
  readonly dropped: number;
  /** When events were dropped: the index in `events` of the first event after the gap. */
  readonly gapAt?: number;
}

const MAX_EVENTS = 1000;
const MAX_BYTES_SHOWN = 200;

export class WireLog {
  private readonly start = performance.now();
  private readonly head: WireEvent[] = [];
  private readonly tail: WireEvent[] = [];
  private dropped = 0;
  private nextConn = 1;
  /** Bytes sent and received so far per connection, for each event's stream offset. */
  private readonly offsets = new Map<string, number>();

  newConnectionId(): number {
    return this.nextConn++;
  }

  add(
    conn: number,
    kind: WireEventKind,
    detail: { bytes?: Uint8Array; size?: number; text?: string } = {},
  ): void {
    let at: number | undefined;
    if (detail.bytes && (kind === "send" || kind === "recv")) {
      const key = `${kind} ${conn}`;
      at = this.offsets.get(key) ?? 0;
      this.offsets.set(key, at + detail.bytes.length);
    }
    const event: WireEvent = {
      t: this.now(),
      conn,
      kind,
      ...(detail.bytes
        ? { bytes: Buffer.from(detail.bytes.subarray(0, MAX_BYTES_SHOWN)), size: detail.bytes.length }
        : {}),
      ...(at !== undefined ? { at } : {}),
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

  /** Milliseconds since the log started: the time base of its events (and of flow samples). */
  now(): number {
    return performance.now() - this.start;
  }

  note(text: string, conn = 0): void {
    this.add(conn, "note", { text });
  }

  get events(): readonly WireEvent[] {
    return [...this.head, ...this.tail];
  }

  /** The log as data, for the JSON report and the HTML diagrams. */
  toRecord(): WireRecord {
    const events = [...this.head, ...this.tail].map(toRecordEvent);
    return this.dropped > 0
      ? { events, dropped: this.dropped, gapAt: this.head.length }
      : { events, dropped: 0 };
  }

  /** The transcript: one line per event, runs of same-shaped events and repeated cycles compacted. */
  render(): string {
    const lines = renderCompact(this.head);
    if (this.dropped > 0) lines.push(`         ... ${this.dropped} events not shown ...`);
    lines.push(...renderCompact(this.tail));
    return lines.join("\n");
  }
}

function toRecordEvent(event: WireEvent): WireRecordEvent {
  return {
    t: Math.round(event.t * 100) / 100,
    conn: event.conn,
    kind: event.kind,
    ...(event.size !== undefined ? { size: event.size } : {}),
    ...(event.at !== undefined ? { at: event.at } : {}),
    ...(event.bytes ? { excerpt: escapeBytes(event.bytes, MAX_BYTES_SHOWN) } : {}),
    ...(event.text !== undefined ? { text: event.text } : {}),
  };
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

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

/** A group of more than one event as one line: `0.012s c17..c272 connect ×256 (until 0.050s)`. */
function renderGroup(group: EventGroup): string {
  const sample = group.sample.excerpt ?? group.sample.text;
  const what = sample === undefined ? "" : ` ${sample}`;
  const bytes = group.bytes > 0 ? ` (${group.bytes} bytes in all)` : "";
  return `${seconds(group.t0).padStart(9)} ${groupLabel(group)}${what}${bytes} (until ${seconds(group.t1)})`;
}

/** Longest cycle of lines looked for (a probe and its reply, with a pause: 3). */
const MAX_CYCLE = 4;
const MIN_REPEATS = 3;

/** How many times the `period` shapes from `start` repeat back to back (1: not at all). */
function repeatsAt(shapes: readonly string[], start: number, period: number): number {
  let repeats = 1;
  for (;;) {
    const next = start + repeats * period;
    if (next + period > shapes.length) return repeats;
    for (let k = 0; k < period; k++) if (shapes[next + k] !== shapes[start + k]) return repeats;
    repeats++;
  }
}

/**
 * Events as transcript lines: runs of same-shaped events as one line with a count
 * (compactEvents), then a cycle of up to MAX_CYCLE lines repeated MIN_REPEATS times or more (a
 * probe and its reply, again and again) shown once with its count.
 */
function renderCompact(events: readonly WireEvent[]): string[] {
  const groups = compactEvents(events.map(toRecordEvent));
  const lines = groups.map((g) =>
    g.count === 1 ? renderEvent(events[g.first] as WireEvent) : renderGroup(g),
  );
  const shapes = lines.map((line) => line.slice(10)); // the time left out
  // The same lines on one connection after another (a step of every trickling client).
  const anyConnection = shapes.map((shape) => shape.replace(/^c\d+ /, "c* "));
  const out: string[] = [];
  for (let i = 0; i < lines.length; ) {
    const exact = cycleAt(shapes, i);
    const cycle = exact ?? cycleAt(anyConnection, i);
    if (!cycle) {
      out.push(lines[i++] as string);
      continue;
    }
    const { period, repeats } = cycle;
    const end = i + repeats * period;
    const last = groups[end - 1] as EventGroup;
    const again = exact
      ? `${repeats - 1} more times`
      : `on ${repeats - 1} more connections, to ${connectionOf(lines[end - 1])}`;
    out.push(...lines.slice(i, i + period));
    out.push(`          ... the ${period} lines above ${again} (until ${seconds(last.t1)})`);
    i = end;
  }
  return out;
}

/** The shortest cycle of 2 to MAX_CYCLE lines from `start` repeated MIN_REPEATS times or more. */
function cycleAt(shapes: readonly string[], start: number): { period: number; repeats: number } | undefined {
  for (let period = 2; period <= MAX_CYCLE; period++) {
    const repeats = repeatsAt(shapes, start, period);
    if (repeats >= MIN_REPEATS) return { period, repeats };
  }
  return undefined;
}

function connectionOf(line: string | undefined): string {
  return /^\s*\S+ (c\d+) /.exec(line ?? "")?.[1] ?? "?";
}

/** A run of same-shaped events shown as one: `c17..c272 connect ×256`, `c1 > "What?" ×300`. */
export interface EventGroup {
  readonly kind: WireEventKind;
  /** The first event of the run (its excerpt and text stand for all of them). */
  readonly sample: WireRecordEvent;
  /** Indexes of the first and last event in the array given. */
  readonly first: number;
  readonly last: number;
  readonly count: number;
  /** The connections of the first and last event, and how many distinct connections the run holds. */
  readonly firstConn: number;
  readonly lastConn: number;
  readonly connections: number;
  readonly t0: number;
  readonly t1: number;
  /** Bytes in all (sends, receives). */
  readonly bytes: number;
}

/** Events that mean the same thing on any connection: a run of them may span connections. */
const LIFECYCLE: ReadonlySet<WireEventKind> = new Set(["connect", "fin", "reset", "eof", "peer-reset"]);

function sameShape(a: WireRecordEvent, b: WireRecordEvent): boolean {
  if (a.kind !== b.kind) return false;
  if (LIFECYCLE.has(a.kind)) return true;
  return a.conn === b.conn && a.size === b.size && a.excerpt === b.excerpt && a.text === b.text;
}

/**
 * Groups runs of at least `minRun` consecutive same-shaped events (same kind; for sends, receives,
 * pauses and notes also the same connection, size, bytes and text; connects, FINs and resets on any
 * connection) into one group each. Events listed in `alone` always stand alone (a marked byte).
 * Every event lands in exactly one group, in order.
 */
export function compactEvents(
  events: readonly WireRecordEvent[],
  options: { readonly minRun?: number; readonly alone?: ReadonlySet<number> } = {},
): EventGroup[] {
  const minRun = options.minRun ?? 3;
  const alone = options.alone ?? new Set<number>();
  const groups: EventGroup[] = [];
  let start = 0;
  while (start < events.length) {
    const head = events[start] as WireRecordEvent;
    let end = start + 1;
    if (!alone.has(start))
      while (end < events.length && !alone.has(end) && sameShape(head, events[end] as WireRecordEvent)) end++;
    if (end - start < minRun) end = start + 1;
    groups.push(groupOf(events, start, end - 1));
    start = end;
  }
  return groups;
}

function groupOf(events: readonly WireRecordEvent[], first: number, last: number): EventGroup {
  const run = events.slice(first, last + 1);
  const head = run[0] as WireRecordEvent;
  const tail = run[run.length - 1] as WireRecordEvent;
  return {
    kind: head.kind,
    sample: head,
    first,
    last,
    count: run.length,
    firstConn: head.conn,
    lastConn: tail.conn,
    connections: new Set(run.map((e) => e.conn)).size,
    t0: head.t,
    t1: tail.t,
    bytes: run.reduce((n, e) => n + (e.kind === "send" || e.kind === "recv" ? (e.size ?? 0) : 0), 0),
  };
}

/** The label of a group of more than one event: `c17..c272 connect ×256`. */
export function groupLabel(group: EventGroup): string {
  const who =
    group.firstConn === group.lastConn && group.connections === 1
      ? `c${group.firstConn}`
      : `c${group.firstConn}..c${group.lastConn}`;
  return `${who} ${ARROWS[group.kind]} ×${group.count}`;
}
