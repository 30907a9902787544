import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compactEvents, groupLabel, WireLog, type WireRecordEvent } from "../src/wirelog.js";

const kinds = ["connect", "send", "recv", "pause", "fin", "note"] as const;

const event = fc.record({
  t: fc.nat(1000),
  conn: fc.integer({ min: 1, max: 3 }),
  kind: fc.constantFrom(...kinds),
  size: fc.constantFrom(1, 2),
  excerpt: fc.constantFrom('"a"', '"b"'),
});

describe("the wire log as data", () => {
  it("records each send's and receive's offset in its connection's stream, and escapes the bytes", () => {
    const log = new WireLog();
    const a = log.newConnectionId();
    const b = log.newConnectionId();
    log.add(a, "send", { bytes: Buffer.from("What ") });
    log.add(b, "send", { bytes: Buffer.from("x?") });
    log.add(a, "send", { bytes: Buffer.from("is\n?") });
    log.add(a, "recv", { bytes: Buffer.from("I don't know that.") });
    log.add(a, "recv", { bytes: Buffer.from("</svg>") });
    const { events, dropped } = log.toRecord();
    expect(dropped).toBe(0);
    expect(events.map((e) => [e.conn, e.kind, e.at, e.size])).toEqual([
      [1, "send", 0, 5],
      [2, "send", 0, 2],
      [1, "send", 5, 4],
      [1, "recv", 0, 18],
      [1, "recv", 18, 6],
    ]);
    expect(events[2]?.excerpt).toBe('"is\\n?"');
    expect(JSON.parse(JSON.stringify(log.toRecord()))).toEqual(log.toRecord());
  });

  it("says where the gap is when a long conversation drops events", () => {
    const log = new WireLog();
    for (let i = 0; i < 3000; i++) log.note(`event ${i}`, 1);
    const record = log.toRecord();
    expect(record.dropped).toBe(2000);
    expect(record.gapAt).toBe(500);
    expect(record.events[0]?.text).toBe("event 0");
    expect(record.events[500]?.text).toBe("event 2500");
    expect(record.events.at(-1)?.text).toBe("event 2999");
  });
});

describe("compactEvents", () => {
  it("turns 256 connects on 256 connections and 300 equal sends into one group each", () => {
    const events: WireRecordEvent[] = [];
    for (let c = 17; c <= 272; c++) events.push({ t: c, conn: c, kind: "connect", text: `port ${c}` });
    for (let i = 0; i < 300; i++)
      events.push({ t: 300 + i, conn: 17, kind: "send", size: 5, excerpt: '"What?"' });
    events.push({ t: 900, conn: 17, kind: "recv", size: 18, excerpt: '"I don\'t know that."' });
    const groups = compactEvents(events);
    expect(groups.map(groupLabel)).toEqual(["c17..c272 connect ×256", "c17 > ×300", "c17 < ×1"]);
    expect(groups[0]).toMatchObject({ count: 256, connections: 256, first: 0, last: 255, t0: 17, t1: 272 });
    expect(groups[1]).toMatchObject({ count: 300, bytes: 1500, first: 256, last: 555 });
  });

  it("keeps different bytes, short runs and marked events apart", () => {
    const send = (t: number, excerpt: string): WireRecordEvent => ({
      t,
      conn: 1,
      kind: "send",
      size: 1,
      excerpt,
    });
    const events = [
      send(0, '"a"'),
      send(1, '"a"'),
      send(2, '"b"'),
      send(3, '"b"'),
      send(4, '"b"'),
      send(5, '"b"'),
    ];
    expect(compactEvents(events).map((g) => g.count)).toEqual([1, 1, 4]);
    expect(compactEvents(events, { alone: new Set([3]) }).map((g) => g.count)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(compactEvents(events, { minRun: 2 }).map((g) => g.count)).toEqual([2, 4]);
  });

  it("covers every event exactly once, in order, and leaves no two neighbouring groups that could merge", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const groups = compactEvents(events, { minRun: 2 });
        expect(groups.reduce((n, g) => n + g.count, 0)).toBe(events.length);
        let next = 0;
        for (const g of groups) {
          expect(g.first).toBe(next);
          expect(g.last - g.first + 1).toBe(g.count);
          next = g.last + 1;
        }
        for (let i = 1; i < groups.length; i++) {
          const a = events[(groups[i - 1] as { last: number }).last] as WireRecordEvent;
          const b = events[(groups[i] as { first: number }).first] as WireRecordEvent;
          const mergeable =
            a.kind === b.kind &&
            (["connect", "fin"].includes(a.kind) ||
              (a.conn === b.conn && a.size === b.size && a.excerpt === b.excerpt));
          expect(mergeable).toBe(false);
        }
      }),
    );
  });
});
