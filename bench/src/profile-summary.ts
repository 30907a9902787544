#!/usr/bin/env node
/**
 * Summarises a .cpuprofile (Chrome/V8 format, written by `node --cpu-prof` or `bun --cpu-prof`):
 * the functions with the most self time and the most inclusive time, as shares of the busy
 * (non-idle) samples. Usage: node bench/dist/src/profile-summary.js FILE.cpuprofile [--top N]
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly selfShare: number;
  readonly totalShare: number;
}

export interface ProfileSummary {
  readonly samples: number;
  readonly idleShare: number;
  readonly gcShare: number;
  readonly lines: readonly ProfileLine[];
}

const IDLE = new Set(["(idle)"]);

function frameName(frame: CallFrame): string {
  const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
  if (frame.url === "") return name;
  return `${name} ${basename(frame.url)}:${frame.lineNumber + 1}`;
}

/** Self and inclusive shares per function (by name and place), busiest first by self time. */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<number, number>();
  if (profile.samples && profile.samples.length > 0) {
    for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  } else {
    for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  }
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  let idle = 0;
  let gc = 0;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (!node || count === 0) continue;
    const name = frameName(node.callFrame);
    if (IDLE.has(node.callFrame.functionName)) {
      idle += count;
      continue;
    }
    if (node.callFrame.functionName === "(garbage collector)") gc += count;
    self.set(name, (self.get(name) ?? 0) + count);
    // Inclusive: every distinct function on the stack of these samples gets them once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame) break;
      const frameKey = frameName(frame.callFrame);
      if (seen.has(frameKey)) continue;
      seen.add(frameKey);
      inclusive.set(frameKey, (inclusive.get(frameKey) ?? 0) + count);
    }
  }
  const busy = total - idle;
  const share = (n: number): number => (busy > 0 ? n / busy : 0);
  const lines = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, count]) => ({
      name,
      selfShare: share(count),
      totalShare: share(inclusive.get(name) ?? count),
    }));
  return { samples: total, idleShare: total > 0 ? idle / total : 0, gcShare: share(gc), lines };
}

export function formatProfileSummary(summary: ProfileSummary): string {
  const head = `${summary.samples} samples, ${(summary.idleShare * 100).toFixed(1)}% idle; shares of busy samples (GC ${(summary.gcShare * 100).toFixed(1)}%):`;
  const rows = summary.lines.map(
    (l) =>
      `${(l.selfShare * 100).toFixed(1).padStart(6)}% self ${(l.totalShare * 100).toFixed(1).padStart(6)}% total  ${l.name}`,
  );
  return [head, ...rows].join("\n");
}

function main(argv: readonly string[]): number {
  const file = argv[0];
  if (file === undefined || file.startsWith("--")) {
    process.stderr.write("usage: profile-summary FILE.cpuprofile [--top N]\n");
    return 2;
  }
  const topIndex = argv.indexOf("--top");
  const top = topIndex >= 0 ? Number(argv[topIndex + 1]) : 25;
  if (!Number.isInteger(top) || top < 1) {
    process.stderr.write("profile-summary: --top needs a whole number >= 1\n");
    return 2;
  }
  let profile: CpuProfile;
  try {
    profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  } catch (error) {
    process.stderr.write(
      `profile-summary: cannot read ${file}: ${(error as Error).message.split("\n")[0]}\n`,
    );
    return 2;
  }
  process.stdout.write(`${formatProfileSummary(summarizeProfile(profile, top))}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1])))
  process.exitCode = main(process.argv.slice(2));
