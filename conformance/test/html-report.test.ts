/** The HTML report as a string: escaping, compaction, the marked byte, charts, fuzz, size. */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { allCases } from "../src/cases/index.js";
import { excerptLabel, excerptTokens } from "../src/html/excerpt.js";
import { laneLayout } from "../src/html/lanes.js";
import { renderHtml } from "../src/html/page.js";
import { niceScale, renderFlowChart } from "../src/html/svg-chart.js";
import { markedEvent, renderSequence } from "../src/html/svg-sequence.js";
import type { CaseResult, Report } from "../src/report.js";
import type { FlowSamples } from "../src/samples.js";
import { WireLog, type WireRecord } from "../src/wirelog.js";
import { reportOf } from "./sample-report.js";

const EVIL = `</script><script>alert(1)</script><img src=x onerror="alert(2)">&amp;"'`;

function report(cases: CaseResult[], extra: Partial<Report> = {}): Report {
  return reportOf(cases, { target: `exec:./srv ${EVIL}`, ...extra });
}

/** Two clients; c1 gets a reply with an evil payload, c2 a run of 300 equal writes. */
function evilWire(): WireRecord {
  const log = new WireLog();
  const a = log.newConnectionId();
  const b = log.newConnectionId();
  log.add(a, "connect", { text: "127.0.0.1:1 (local port 2)" });
  log.add(b, "connect", { text: "127.0.0.1:1 (local port 3)" });
  log.add(a, "send", { bytes: Buffer.from("What is your name?") });
  log.add(a, "pause", { text: "5 ms" });
  for (let i = 0; i < 300; i++) log.add(b, "send", { bytes: Buffer.from("?") });
  log.add(a, "recv", { bytes: Buffer.from(`My name is ${EVIL}\x00\xff`, "latin1") });
  log.add(b, "fin");
  log.add(b, "eof");
  log.note(`a note ${EVIL}`);
  return log.toRecord();
}

function failing(id: string, wire: WireRecord, extra: Partial<CaseResult> = {}): CaseResult {
  return {
    id,
    title: `title ${EVIL}`,
    section: "5",
    rules: ["ANSWER-1"],
    verdict: "fail",
    violatedRule: "ANSWER-1",
    message: `ANSWER-1: expected ..., got ${EVIL}`,
    transcript: `0.000s c1 < ${EVIL}`,
    wire,
    mismatch: { conn: 1, offset: 11, expected: '"Sir Lancelot."', got: `"${EVIL}"` },
    replayCommand: `npx launcelot-conformance --target 'exec:${EVIL}' --replay ${id}@1:0`,
    seed: 1,
    targetOutput: EVIL,
    evidence: { note: EVIL },
    durationMs: 10,
    ...extra,
  };
}

/** Well-formedness of each SVG checked by a real XML parser (Python's expat). */
function parseSvgs(html: string): number {
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  execFileSync(
    "python3",
    ["-c", "import sys,json,xml.dom.minidom as m\nfor s in json.load(sys.stdin): m.parseString(s)"],
    { input: JSON.stringify(svgs) },
  );
  return svgs.length;
}

describe("the HTML report", () => {
  it("escapes every byte from the wire and every text from the target: the page's one script is its own", () => {
    const html = renderHtml(report([failing("reply.lockstep", evilWire())]));
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("alert(1)</script>");
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(1)");
    expect(html).toContain("Content-Security-Policy");
    expect(parseSvgs(html)).toBe(1);
  });

  it("fetches nothing: no external stylesheet, script, font or image", () => {
    const html = renderHtml(report([failing("reply.lockstep", evilWire())]));
    const withoutNamespaces = html.replaceAll('xmlns="http://www.w3.org/2000/svg"', "");
    expect(withoutNamespaces).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link|@import|url\(|<[a-z][^>]*\s(src|href)="?[a-z]+:/);
  });

  it("draws one arrow per write and read, a run of 300 equal writes as one arrow with its count", () => {
    const wire = evilWire();
    const svg = renderSequence(wire);
    const counts = [
      ...svg.matchAll(/class="arrow (send|recv)[^"]*" data-conn="(\d+)" data-count="(\d+)"/g),
    ].map((m) => `${m[1]} c${m[2]} ×${m[3]}`);
    expect(counts).toEqual(["send c1 ×1", "send c2 ×300", "recv c1 ×1"]);
    expect(svg).toContain('data-lanes="3"');
    for (const kind of ["pause", "fin", "eof", "connect", "note"])
      expect(svg).toContain(`class="mark ${kind}"`);
  });

  it("marks the received event that holds the first differing byte, expected and got side by side", () => {
    const wire = evilWire();
    const mismatch = { conn: 1, offset: 11, expected: '"Sir Lancelot."', got: '"</script>"' };
    expect(wire.events[markedEvent(wire.events, mismatch)]?.kind).toBe("recv");
    const svg = renderSequence(wire, mismatch);
    expect(svg).toMatch(/class="arrow recv marked"/);
    expect(svg).toContain('<tspan class="bad">&lt;</tspan>');
    expect(svg).toContain("first difference: byte 11 of what c1 received");
    expect(svg).toMatch(
      /expected<\/tspan> &quot;Sir Lancelot\.&quot;<[\s\S]*got<\/tspan> &quot;&lt;\/script&gt;&quot;</,
    );
  });

  it("keeps the first and last events of a long conversation with the gap shown", () => {
    const log = new WireLog();
    const c = log.newConnectionId();
    for (let i = 0; i < 3000; i++) log.add(c, "send", { bytes: Buffer.from(`q${i}?`) });
    const svg = renderSequence(log.toRecord());
    expect(svg).toContain("&quot;q0?&quot;");
    expect(svg).toContain("&quot;q2999?&quot;");
    expect(svg).toContain("2000 events not kept in the log");
    expect(svg).toContain("rows not drawn");
    expect((svg.match(/class="arrow send"/g) ?? []).length).toBe(120);
  });

  it("charts a flow case's samples with the moment the writes stalled", () => {
    const samples: FlowSamples = {
      intervalMs: 100,
      points: Array.from({ length: 30 }, (_, i) => ({
        t: i * 100,
        pushedBytes: Math.min(i, 10) * 1_000_000,
        replyBytes: i > 20 ? (i - 20) * 900_000 : 0,
        rssBytes: 50_000_000 + i * 100_000,
      })),
      marks: [
        { t: 1000, label: "writes stalled" },
        { t: 2000, label: "client reads" },
      ],
    };
    const svg = renderFlowChart(samples);
    expect(svg).toContain('data-points="30"');
    expect(svg.match(/<polyline class="(pushed|replies|rss)"/g)).toHaveLength(3);
    expect(svg).toMatch(/class="flow-mark stall"[\s\S]*writes stalled \(1\.00 s\)/);
    expect(niceScale(0, 9_500_000, 4, 1024 * 1024).ticks.map((v) => v / 1024 / 1024)).toEqual([0, 5, 10]);
  });

  it("covers every counterexample of a fuzz run, drawing at most three per case", () => {
    const wire = evilWire();
    const first = failing("reply.lockstep", wire);
    const found = Array.from({ length: 5 }, (_, i) => ({
      round: i + 1,
      file: `conformance-failures/reply.lockstep-${i}.json`,
      result: failing("reply.lockstep", wire, { seed: 100 + i }),
    }));
    const html = renderHtml(
      report([first], {
        fuzz: { durationMs: 5000, rounds: 6, counterexamples: found.map((f) => f.file), found },
      }),
    );
    expect(html).toContain("6 counterexamples (1 in the first round, 5 later)");
    for (const f of found) expect(html).toContain(f.file);
    expect(html.match(/<svg class="sequence"/g)).toHaveLength(3);
    expect(html.match(/Diagram left out/g)).toHaveLength(3);
  });

  it("stays small: a full run of 21 cases that all fail with 400-event conversations is under 2 MB, one such case under 120 kB", () => {
    const log = new WireLog();
    const c = log.newConnectionId();
    for (let i = 0; i < 1000; i++)
      log.add(c, i % 2 ? "recv" : "send", { bytes: Buffer.from(`${i}`.repeat(100).slice(0, 200 - (i % 7))) });
    const wire = log.toRecord();
    const cases = allCases.map((k) => failing(k.id, wire, { transcript: log.render() }));
    const html = renderHtml(report(cases));
    expect(html.length).toBeLessThan(2_000_000);
    const one = renderHtml(report([cases[0] as CaseResult]));
    expect(one.length).toBeLessThan(120_000);
  });
});

describe("lanes", () => {
  it("give seven connections a lane each, the marked one among them, and the others one shared lane", () => {
    const log = new WireLog();
    for (let i = 0; i < 40; i++) log.add(log.newConnectionId(), "connect");
    const { events } = log.toRecord();
    const lanes = laneLayout(events, 33, 100, 50);
    expect(lanes.lanes.map((l) => l.label)).toEqual([
      "c1",
      "c2",
      "c3",
      "c4",
      "c5",
      "c6",
      "c33",
      "c7..c40 (33)",
    ]);
    expect(lanes.x(33)).toBe(400);
    expect(lanes.x(40)).toBe(lanes.x(7));
    expect(laneLayout(events.slice(0, 3), undefined, 100, 50).lanes).toHaveLength(3);
  });
});

describe("excerpts", () => {
  it("split into one token per byte, and cut to a window around the marked byte", () => {
    expect(excerptTokens('"a\\n\\x00\\"b"')).toEqual(["a", "\\n", "\\x00", '\\"', "b"]);
    expect(excerptTokens("(nothing more)")).toBeNull();
    const long = `"${"x".repeat(100)}Y${"z".repeat(100)}"`;
    const parts = excerptLabel(long, 100, 20);
    expect(parts[1]).toEqual({ text: "Y", bad: true });
    expect(parts[0]?.text.startsWith('"…')).toBe(true);
    expect(parts[2]?.text.endsWith('…"')).toBe(true);
    expect(excerptLabel('"abc"')).toEqual([{ text: '"abc"' }]);
  });
});
