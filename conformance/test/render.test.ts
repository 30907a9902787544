import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { allCases } from "../src/cases/index.js";
import { computeCoverage, unknownRuleIds } from "../src/coverage.js";
import { renderJson, renderJunit, renderList, renderPretty, xmlEscape } from "../src/render.js";
import { type CaseResult, exitCodeFor, type Report } from "../src/report.js";
import { WireLog } from "../src/wirelog.js";
import { reportOf } from "./sample-report.js";

function sampleCases(): CaseResult[] {
  return [
    {
      id: "reply.lockstep",
      title: "Lock-step",
      section: "5",
      rules: ["ANSWER-1"],
      verdict: "pass",
      runs: 20,
      durationMs: 12,
    },
    {
      id: "reply.unknown",
      title: 'Unknown <questions> & "quotes"',
      section: "5.1",
      rules: ["UNKNOWN-1"],
      verdict: "fail",
      violatedRule: "UNKNOWN-1",
      message: 'UNKNOWN-1: expected "I don\'t know that.", got "\\x00\x01\x1b]]>"',
      transcript: '0.000s c1 > "What?"\n0.001s c1 < "\u0000\u0007\ud800 ]]> </failure>"',
      seed: 42,
      path: "3:1",
      replayCommand: "npx launcelot-conformance --target bun --replay reply.unknown@42:3:1",
      reproduced: true,
      durationMs: 99,
    },
    {
      id: "idle.timeouts",
      title: "Idle",
      section: "9.1",
      rules: ["IDLE-2"],
      verdict: "warn",
      violatedRule: "IDLE-2",
      message: "IDLE-2: expected close, got open",
      durationMs: 15000,
    },
    {
      id: "resource.idle-cpu",
      title: "CPU",
      section: "10",
      rules: ["RESOURCE-2"],
      verdict: "not-applicable",
      message: "needs a launched target",
      durationMs: 0,
    },
    {
      id: "conn.limit",
      title: "Limit",
      section: "9.3",
      rules: ["CONN-1"],
      verdict: "error",
      message: "the harness could not judge: EMFILE",
      durationMs: 5,
    },
  ];
}

function sampleReport(): Report {
  return reportOf(sampleCases());
}

/** Well-formedness checked by a real XML parser (Python's expat), not by us. */
function parseXml(xml: string): string {
  return execFileSync(
    "python3",
    [
      "-c",
      "import sys,xml.dom.minidom as m; d=m.parseString(sys.stdin.buffer.read()); print(len(d.getElementsByTagName('testcase')), len(d.getElementsByTagName('failure')), len(d.getElementsByTagName('skipped')), len(d.getElementsByTagName('error')))",
    ],
    { input: xml },
  )
    .toString()
    .trim();
}

describe("reports", () => {
  it("pretty output reads by section, RULE: expected ..., got ..., with transcript and replay", () => {
    const text = renderPretty(sampleReport());
    expect(text).toContain("5.1\n  FAIL reply.unknown");
    expect(text).toContain("UNKNOWN-1: expected");
    expect(text).toContain("replay: npx launcelot-conformance --target bun --replay reply.unknown@42:3:1");
    expect(text).toContain("replayed once with the same seed: reproduced");
    expect(text).toContain("transcript:");
    expect(text.indexOf("\n5\n")).toBeLessThan(text.indexOf("\n5.1\n"));
    expect(text.indexOf("\n9.3\n")).toBeLessThan(text.indexOf("\n10\n"));
    expect(text).toContain("exit code 1");
  });

  it("JSON output keeps the documented shape", () => {
    const parsed = JSON.parse(renderJson(sampleReport())) as Report;
    expect(parsed.schema).toBe("launcelot-conformance-report/1");
    for (const key of [
      "suiteVersion",
      "specVersion",
      "target",
      "seed",
      "limits",
      "waits",
      "cases",
      "summary",
      "coverage",
      "exitCode",
      "incomplete",
    ]) {
      expect(parsed).toHaveProperty(key);
    }
    expect(parsed.summary).toEqual({ pass: 1, fail: 1, warn: 1, info: 0, "not-applicable": 1, error: 1 });
    const failed = parsed.cases.find((c) => c.verdict === "fail");
    expect(failed).toMatchObject({
      id: "reply.unknown",
      violatedRule: "UNKNOWN-1",
      seed: 42,
      path: "3:1",
      reproduced: true,
    });
    expect(parsed.coverage.rules.find((r) => r.id === "FLOW-2")?.cases).toContain("flow.slow-reader");
  });

  it("JUnit output is well-formed XML even with control characters, lone surrogates and markup", () => {
    const xml = renderJunit(sampleReport());
    const controls = [...xml].filter((ch) => {
      const code = ch.charCodeAt(0);
      return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    });
    expect(controls).toEqual([]);
    expect(parseXml(xml)).toBe("5 1 1 1");
  });

  it("escapes XML text", () => {
    expect(xmlEscape(`<a href="x">&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;");
    expect(xmlEscape("a\u0000b\u001bc\ud800d")).toBe("a\\u{0}b\\u{1b}c\\u{d800}d");
  });

  it("exit codes: 1 for a failure not in the baseline, 3 for an incomplete run or an unjudged case, else 0", () => {
    const pass: CaseResult = { id: "a", title: "a", section: "5", rules: [], verdict: "pass", durationMs: 0 };
    expect(exitCodeFor([pass], false)).toBe(0);
    expect(exitCodeFor([pass, { ...pass, verdict: "warn" }], false)).toBe(0);
    expect(exitCodeFor([pass, { ...pass, verdict: "fail" }], false)).toBe(1);
    expect(exitCodeFor([pass, { ...pass, verdict: "fail", known: true }], false)).toBe(0);
    expect(exitCodeFor([pass], true)).toBe(3);
    expect(exitCodeFor([pass, { ...pass, verdict: "error" }], false)).toBe(3);
  });
});

describe("transcripts", () => {
  it("show sends with split points, pauses, faults and replies, escaping bytes", () => {
    const log = new WireLog();
    const c = log.newConnectionId();
    log.add(c, "connect", { text: "127.0.0.1:1" });
    log.add(c, "send", { bytes: Buffer.from("What is ") });
    log.add(c, "pause", { text: "10 ms" });
    log.add(c, "send", { bytes: Buffer.from([0x00, 0xff, 0x0a, 0x3f]) });
    log.add(c, "recv", { bytes: Buffer.from("I don't know that.") });
    log.add(c, "fin");
    log.add(c, "reset");
    log.add(c, "send", { bytes: Buffer.alloc(5000, 0x41) });
    const text = log.render();
    const lines = text.split("\n");
    expect(lines[1]).toMatch(/c1 > "What is "$/);
    expect(lines[2]).toMatch(/c1 ~ pause 10 ms$/);
    expect(lines[3]).toMatch(/c1 > "\\x00\\xff\\n\?"$/);
    expect(lines[4]).toMatch(/c1 < "I don't know that."$/);
    expect(text).toContain("FIN (half-close)");
    expect(text).toContain("RST (reset)");
    expect(text).toContain("(5000 bytes in all)");
  });

  it("are compact: runs of same-shaped events and repeated probe cycles are one line with a count", () => {
    const log = new WireLog();
    for (let i = 0; i < 256; i++) log.add(log.newConnectionId(), "connect", { text: "127.0.0.1:1" });
    const probe = log.newConnectionId();
    for (let i = 0; i < 60; i++) {
      log.add(probe, "send", { bytes: Buffer.from("What is your name?") });
      log.add(probe, "recv", { bytes: Buffer.from("My name is Sir Lancelot of Camelot.") });
      log.add(probe, "pause", { text: "1000 ms" });
    }
    log.add(probe, "eof");
    const lines = log.render().split("\n");
    expect(lines[0]).toMatch(/c1\.\.c256 connect ×256 127\.0\.0\.1:1 \(until /);
    expect(lines.slice(1, 4).map((l) => l.slice(10))).toEqual([
      'c257 > "What is your name?"',
      'c257 < "My name is Sir Lancelot of Camelot."',
      "c257 ~ pause 1000 ms",
    ]);
    expect(lines[4]).toMatch(/the 3 lines above 59 more times/);
    expect(lines[5]).toMatch(/c257 < FIN \(server closed\)$/);
    expect(lines).toHaveLength(6);
  });

  it("are compact: the same step on one connection after another is one step with a count", () => {
    const log = new WireLog();
    const trickling = Array.from({ length: 22 }, () => log.newConnectionId());
    for (const conn of trickling) {
      log.add(conn, "send", { bytes: Buffer.from("r n") });
      log.add(conn, "pause", { text: "2500 ms" });
    }
    const lines = log.render().split("\n");
    expect(lines.slice(0, 2).map((l) => l.slice(10))).toEqual(['c1 > "r n"', "c1 ~ pause 2500 ms"]);
    expect(lines[2]).toMatch(/the 2 lines above on 21 more connections, to c22 \(until /);
    expect(lines).toHaveLength(3);
  });

  it("keep the head and the tail of very long conversations", () => {
    const log = new WireLog();
    for (let i = 0; i < 3000; i++) log.note(`event ${i}`, 1);
    const text = log.render();
    expect(text).toContain("event 0");
    expect(text).toContain("event 2999");
    expect(text).toContain("events not shown");
  });
});

describe("cases and coverage", () => {
  it("every case cites rules of the index, and ids are unique", () => {
    expect(unknownRuleIds(allCases)).toEqual([]);
    expect(new Set(allCases.map((c) => c.id)).size).toBe(allCases.length);
    for (const c of allCases) expect(c.id).toMatch(/^[a-z]+\.[a-z0-9-]+$/);
  });

  it("coverage is computed from the case-to-rule map", () => {
    const coverage = computeCoverage(allCases);
    const checked = new Set(allCases.flatMap((c) => c.rules));
    expect(coverage.unchecked.every((id) => !checked.has(id))).toBe(true);
    expect(
      coverage.rules
        .filter((r) => r.cases.length > 0)
        .map((r) => r.id)
        .sort(),
    ).toEqual([...checked].sort());
    expect(renderList(allCases, coverage)).toContain("rules no case checks:");
  });
});
