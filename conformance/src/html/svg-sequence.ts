/**
 * The sequence diagram of one conversation (SVG): a lane per client connection and one for the
 * server, time running down; each write an arrow with its byte count and excerpt; pauses, FIN, RST,
 * stop reading and stalled writes as marks; the first byte that differs from what the rule demanded
 * marked, with expected and got side by side. Runs of same-shaped events are one row with a count;
 * a long conversation keeps its first and last rows with the gap shown.
 */
import { xmlEscape as esc } from "../render.js";
import type { Mismatch } from "../verdicts.js";
import { compactEvents, type EventGroup, type WireRecord, type WireRecordEvent } from "../wirelog.js";
import { excerptLabel, type LabelPart } from "./excerpt.js";
import { type Lanes, laneLayout } from "./lanes.js";

const ROW = 24;
const TOP = 52;
const LANE = 110;
const SPAN = 420;
const GUTTER = 96;
/** Rows drawn at most: the first and last half of them, with the gap between shown. */
const MAX_ROWS = 120;
/** Characters of an excerpt kept in an arrow's tooltip. */
const TITLE_EXCERPT = 100;

type Row =
  | { readonly type: "group"; readonly group: EventGroup }
  | { readonly type: "gap"; readonly text: string }
  | { readonly type: "mismatch" };

interface Layout {
  readonly lanes: Lanes;
  readonly serverX: number;
  readonly marked: number;
  readonly mismatch: Mismatch | undefined;
  readonly events: readonly WireRecordEvent[];
}

/** The index of the received event holding the mismatched byte (-1: no such event in the log). */
export function markedEvent(events: readonly WireRecordEvent[], mismatch: Mismatch | undefined): number {
  if (!mismatch) return -1;
  return events.findIndex(
    (e) =>
      e.kind === "recv" &&
      e.conn === mismatch.conn &&
      e.at !== undefined &&
      e.size !== undefined &&
      mismatch.offset >= e.at &&
      mismatch.offset < e.at + e.size,
  );
}

function rowsOf(wire: WireRecord, marked: number, mismatch: Mismatch | undefined): Row[] {
  const alone = new Set(marked >= 0 ? [marked] : []);
  const gapAt = wire.dropped > 0 ? (wire.gapAt ?? wire.events.length) : wire.events.length;
  const shift = (groups: EventGroup[], by: number): EventGroup[] =>
    groups.map((g) => ({ ...g, first: g.first + by, last: g.last + by }));
  const head = compactEvents(wire.events.slice(0, gapAt), { alone });
  const tailAlone = new Set([...alone].map((i) => i - gapAt));
  const tail = shift(compactEvents(wire.events.slice(gapAt), { alone: tailAlone }), gapAt);
  const kept = `${wire.dropped} events not kept in the log`;
  let rows: Row[] = head.map((group): Row => ({ type: "group", group }));
  if (wire.dropped > 0) rows.push({ type: "gap", text: kept });
  rows.push(...tail.map((group): Row => ({ type: "group", group })));
  if (rows.length > MAX_ROWS) {
    const hidden = rows.slice(MAX_ROWS / 2, rows.length - MAX_ROWS / 2);
    const groups = hidden.filter((r) => r.type === "group").length;
    const gap = hidden.length > groups ? ` and ${kept}` : "";
    rows = [
      ...rows.slice(0, MAX_ROWS / 2),
      { type: "gap", text: `${groups} rows not drawn (the transcript has them)${gap}` },
      ...rows.slice(rows.length - MAX_ROWS / 2),
    ];
  }
  if (mismatch) {
    const at = rows.findIndex((r) => r.type === "group" && r.group.first === marked);
    rows.splice(at >= 0 ? at + 1 : rows.length, 0, { type: "mismatch" });
  }
  return rows;
}

function rowHeight(row: Row): number {
  return row.type === "mismatch" ? ROW * 2 + 12 : ROW;
}

function text(x: number, y: number, cls: string, content: string, anchor = "start"): string {
  const align = anchor === "start" ? "" : ` text-anchor="${anchor}"`;
  return `<text x="${x}" y="${y}" class="${cls}"${align}>${content}</text>`;
}

function labelText(parts: readonly LabelPart[]): string {
  return parts.map((p) => (p.bad ? `<tspan class="bad">${esc(p.text)}</tspan>` : esc(p.text))).join("");
}

function timeLabel(group: EventGroup): string {
  const s = (ms: number): string => (ms / 1000).toFixed(3);
  return group.count > 1 && group.t1 !== group.t0 ? `${s(group.t0)}–${s(group.t1)}s` : `${s(group.t0)}s`;
}

function arrowHead(x: number, y: number, towardsRight: boolean): string {
  const d = towardsRight ? -7 : 7;
  return `<polygon points="${x},${y} ${x + d},${y - 4} ${x + d},${y + 4}"/>`;
}

/** A write from a client or a read from the server: one arrow (a run: one arrow with its count). */
function dataArrow(group: EventGroup, y: number, layout: Layout): string {
  const e = group.sample;
  const x = layout.lanes.x(e.conn);
  const sending = e.kind === "send";
  const [from, to] = sending ? [x, layout.serverX] : [layout.serverX, x];
  const isMarked = group.first === layout.marked;
  const offsetInEvent =
    isMarked && layout.mismatch && e.at !== undefined ? layout.mismatch.offset - e.at : -1;
  const size = group.count > 1 ? `×${group.count}, ${e.size ?? 0} B each` : `${e.size ?? 0} B`;
  const parts = excerptLabel(e.excerpt ?? '""', offsetInEvent);
  const excerpt = e.excerpt ?? "";
  const shown = excerpt.length > TITLE_EXCERPT ? `${excerpt.slice(0, TITLE_EXCERPT)}…` : excerpt;
  const title = `c${e.conn} ${sending ? "sent" : "received"} ${group.count > 1 ? `${group.count} × ` : ""}${e.size ?? 0} bytes at byte ${e.at ?? 0}: ${shown}`;
  const dot = isMarked ? `<circle class="bad-dot" cx="${x + 14}" cy="${y}" r="4"/>` : "";
  return [
    `<g class="arrow ${e.kind}${isMarked ? " marked" : ""}" data-conn="${e.conn}" data-count="${group.count}">`,
    `<title>${esc(title)}</title>`,
    `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}"/>`,
    arrowHead(to, y, to > from),
    dot,
    text(x + 10, y - 5, "label", `<tspan class="size">${esc(size)}</tspan> ${labelText(parts)}`),
    "</g>",
  ].join("");
}

const MARK_TEXT: Record<string, string> = {
  connect: "connect",
  pause: "pause",
  fin: "FIN (half-close)",
  reset: "RST",
  eof: "FIN from the server",
  "peer-reset": "RST from the server",
  "read-stop": "stops reading",
  "read-resume": "reads again",
  stall: "writes stalled",
};

/** A pause, FIN, RST, stop reading, stalled writes, connect or note: a mark on its lane. */
function eventMark(group: EventGroup, y: number, layout: Layout): string {
  const e = group.sample;
  const count = group.count > 1 ? ` ×${group.count}` : "";
  const who = group.connections > 1 ? `c${group.firstConn}..c${group.lastConn} ` : "";
  const detail = e.text !== undefined && e.kind !== "connect" ? ` ${e.text}` : "";
  const title = `${who || (e.conn > 0 ? `c${e.conn} ` : "")}${MARK_TEXT[e.kind] ?? e.kind}${count}${e.text !== undefined ? `: ${e.text}` : ""}`;
  if (e.kind === "note") {
    return `<g class="mark note"><title>${esc(title)}</title>${text(GUTTER, y + 4, "note", esc(`# ${e.text ?? ""}${count}`))}</g>`;
  }
  const x = layout.lanes.x(e.conn);
  const label = esc(`${who}${MARK_TEXT[e.kind] ?? e.kind}${count}${detail}`);
  let shape: string;
  if (e.kind === "fin" || e.kind === "reset" || e.kind === "eof" || e.kind === "peer-reset") {
    const toServer = e.kind === "fin" || e.kind === "reset";
    const [from, to] = toServer ? [x, layout.serverX] : [layout.serverX, x];
    shape = `<line x1="${from}" y1="${y}" x2="${to}" y2="${y}"/>${arrowHead(to, y, to > from)}`;
  } else if (e.kind === "connect") {
    shape = `<circle cx="${x}" cy="${y}" r="5"/>`;
  } else {
    shape = `<rect x="${x - 7}" y="${y - 7}" width="14" height="14" rx="2"/>`;
  }
  return `<g class="mark ${e.kind}" data-conn="${e.conn}" data-count="${group.count}"><title>${esc(title)}</title>${shape}${text(x + 12, y - 5, "label", label)}</g>`;
}

function mismatchBox(y: number, layout: Layout): string {
  const m = layout.mismatch as Mismatch;
  const x = layout.lanes.x(m.conn ?? 0) + 10;
  const width = layout.serverX - x;
  const half = Math.floor(width / 2);
  const clip = (s: string): string => (s.length > 52 ? `${s.slice(0, 51)}…` : s);
  return [
    `<g class="mismatch" data-offset="${m.offset}"><title>${esc(`expected ${m.expected}, got ${m.got}`)}</title>`,
    `<rect x="${x}" y="${y - 6}" width="${width}" height="${ROW * 2 + 4}" rx="4"/>`,
    text(
      x + 8,
      y + 9,
      "mismatch-head",
      esc(`first difference: byte ${m.offset} of what c${m.conn ?? "?"} received`),
    ),
    text(x + 8, y + 29, "expected", `<tspan class="key">expected</tspan> ${esc(clip(m.expected))}`),
    text(x + 8 + half, y + 29, "got", `<tspan class="key">got</tspan> ${esc(clip(m.got))}`),
    "</g>",
  ].join("");
}

function drawRow(row: Row, y: number, layout: Layout): string {
  if (row.type === "mismatch") return mismatchBox(y, layout);
  if (row.type === "gap")
    return `<g class="gap"><line x1="${GUTTER}" y1="${y}" x2="${layout.serverX}" y2="${y}"/>${text(GUTTER + 8, y + 4, "gap-text", esc(`⋯ ${row.text} ⋯`))}</g>`;
  const g = row.group;
  const time = text(GUTTER - 8, y + 4, "time", esc(timeLabel(g)), "end");
  const body = g.kind === "send" || g.kind === "recv" ? dataArrow(g, y, layout) : eventMark(g, y, layout);
  return time + body;
}

/** The SVG for a wire record (and its mismatch, when the case knows the first differing byte). */
export function renderSequence(wire: WireRecord, mismatch?: Mismatch): string {
  const marked = markedEvent(wire.events, mismatch);
  const rows = rowsOf(wire, marked, mismatch);
  const lanes = laneLayout(wire.events, mismatch?.conn, GUTTER + 40, LANE);
  const serverX = lanes.lastX + SPAN;
  const layout: Layout = { lanes, serverX, marked, mismatch, events: wire.events };
  const height = TOP + rows.reduce((h, r) => h + rowHeight(r), 0) + 16;
  const width = serverX + 70;
  let y = TOP + ROW / 2;
  const drawn = rows.map((row) => {
    const out = drawRow(row, y, layout);
    y += rowHeight(row);
    return out;
  });
  const heads = lanes.lanes.map((lane) => text(lane.x, 20, "lane-head", esc(lane.label), "middle"));
  const lifelines = [...lanes.lanes.map((l) => l.x), serverX].map(
    (x) => `<line class="lifeline" x1="${x}" y1="28" x2="${x}" y2="${height - 8}"/>`,
  );
  return [
    `<svg class="sequence" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" data-lanes="${lanes.lanes.length + 1}" data-events="${wire.events.length}">`,
    `<title>${esc(`sequence diagram: ${lanes.lanes.length} client lanes and the server, ${wire.events.length} events`)}</title>`,
    ...lifelines,
    ...heads,
    text(serverX, 20, "lane-head server", "server", "middle"),
    text(GUTTER - 8, 20, "lane-head time", "time", "end"),
    ...drawn,
    "</svg>",
  ].join("\n");
}
