/**
 * The chart of a flow case (SVG): over time, the bytes the client pushed, the bytes of replies it
 * received (left axis) and the server's RSS (right axis), with the moments the case marked
 * (writes stalled, FIN, the client reads).
 */
import { formatSize } from "../bytes.js";
import { xmlEscape as esc } from "../render.js";
import type { FlowSample, FlowSamples } from "../samples.js";

const WIDTH = 680;
const HEIGHT = 250;
const PAD = { left: 70, right: 78, top: 40, bottom: 34 };

interface Scale {
  readonly low: number;
  readonly high: number;
  readonly ticks: number[];
}

/**
 * A scale from `low` to `high` rounded out to steps of 1, 2 or 5 x 10^k of `unit` (bytes: B, KiB
 * or MiB, so that ticks read 16 MiB, not 16.8 MB), with its ticks.
 */
export function niceScale(low: number, high: number, count = 4, unit = 1): Scale {
  const span = Math.max((high - low) / unit, 1);
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power * unit;
  const start = Math.floor(low / step) * step;
  const end = Math.max(start + step, Math.ceil(high / step) * step);
  const ticks: number[] = [];
  for (let v = start; v <= end + step / 2; v += step) ticks.push(v);
  return { low: start, high: end, ticks };
}

/** The unit a byte axis from `low` to `high` counts in. */
function byteUnit(low: number, high: number): number {
  const span = high - low;
  return span >= 2 * 1024 * 1024 ? 1024 * 1024 : span >= 2048 ? 1024 : 1;
}

function byteScale(low: number, high: number): Scale {
  return niceScale(low, high, 4, byteUnit(low, high));
}

function project(value: number, scale: Scale, from: number, to: number): number {
  return from + ((value - scale.low) / (scale.high - scale.low || 1)) * (to - from);
}

function polyline(
  points: readonly FlowSample[],
  y: (p: FlowSample) => number | undefined,
  x: (t: number) => number,
  scale: Scale,
  cls: string,
): string {
  const coords = points
    .filter((p) => y(p) !== undefined)
    .map(
      (p) =>
        `${x(p.t).toFixed(1)},${project(y(p) as number, scale, HEIGHT - PAD.bottom, PAD.top).toFixed(1)}`,
    );
  return coords.length > 0 ? `<polyline class="${cls}" points="${coords.join(" ")}"/>` : "";
}

function axes(time: Scale, bytes: Scale, rss: Scale | null, x: (t: number) => number): string {
  const yOf = (v: number, s: Scale): number => project(v, s, HEIGHT - PAD.bottom, PAD.top);
  const parts: string[] = [];
  for (const v of bytes.ticks) {
    const y = yOf(v, bytes).toFixed(1);
    parts.push(`<line class="grid" x1="${PAD.left}" y1="${y}" x2="${WIDTH - PAD.right}" y2="${y}"/>`);
    parts.push(
      `<text class="tick" x="${PAD.left - 6}" y="${y}" text-anchor="end">${esc(formatSize(v))}</text>`,
    );
  }
  if (rss)
    for (const v of rss.ticks)
      parts.push(
        `<text class="tick rss" x="${WIDTH - PAD.right + 6}" y="${yOf(v, rss).toFixed(1)}">${esc(formatSize(v))}</text>`,
      );
  for (const t of time.ticks)
    parts.push(
      `<text class="tick" x="${x(t).toFixed(1)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle">${(t / 1000).toFixed(1)} s</text>`,
    );
  parts.push(
    `<rect class="frame" x="${PAD.left}" y="${PAD.top}" width="${WIDTH - PAD.left - PAD.right}" height="${HEIGHT - PAD.top - PAD.bottom}"/>`,
  );
  return parts.join("");
}

function legend(hasRss: boolean): string {
  const items: Array<[string, string]> = [
    ["pushed", "bytes pushed"],
    ["replies", "bytes of replies received"],
    ...(hasRss ? ([["rss", "server RSS (right axis)"]] as Array<[string, string]>) : []),
  ];
  let x = PAD.left;
  return items
    .map(([cls, label]) => {
      const out = `<line class="${cls}" x1="${x}" y1="14" x2="${x + 18}" y2="14"/><text class="legend" x="${x + 24}" y="18">${esc(label)}</text>`;
      x += 34 + label.length * 6.4;
      return out;
    })
    .join("");
}

/** The SVG chart of a flow case's samples. */
export function renderFlowChart(samples: FlowSamples): string {
  const points = samples.points;
  const times = [...points.map((p) => p.t), ...samples.marks.map((m) => m.t)];
  const time = niceScale(Math.min(0, ...times), Math.max(1, ...times), 6);
  const bytes = byteScale(0, Math.max(1, ...points.flatMap((p) => [p.pushedBytes, p.replyBytes])));
  const rssValues = points.flatMap((p) => (p.rssBytes !== undefined ? [p.rssBytes] : []));
  const rss = rssValues.length > 0 ? byteScale(Math.min(...rssValues), Math.max(...rssValues)) : null;
  const x = (t: number): number => project(t, time, PAD.left, WIDTH - PAD.right);
  const marks = samples.marks.map((m, i) => {
    const mx = x(m.t).toFixed(1);
    const y = PAD.top + 12 + (i % 3) * 13;
    return `<g class="flow-mark${m.label === "writes stalled" ? " stall" : ""}"><line x1="${mx}" y1="${PAD.top}" x2="${mx}" y2="${HEIGHT - PAD.bottom}"/><text x="${Number(mx) + 4}" y="${y}">${esc(`${m.label} (${(m.t / 1000).toFixed(2)} s)`)}</text></g>`;
  });
  return [
    `<svg class="flow-chart" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" data-points="${points.length}">`,
    `<title>${esc(`flow over time: ${points.length} samples every ${samples.intervalMs} ms`)}</title>`,
    axes(time, bytes, rss, x),
    legend(rss !== null),
    polyline(points, (p) => p.pushedBytes, x, bytes, "pushed"),
    polyline(points, (p) => p.replyBytes, x, bytes, "replies"),
    rss ? polyline(points, (p) => p.rssBytes, x, rss, "rss") : "",
    ...marks,
    "</svg>",
  ].join("\n");
}
