import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { FlowSampler, withFlowSampler } from "../src/samples.js";
import { Violation } from "../src/verdicts.js";

function probe(state: { pushed: number; replies: number }) {
  return {
    pushedBytes: () => state.pushed,
    replyBytes: () => state.replies,
    rssBytes: async () => 1000 + state.pushed,
  };
}

describe("FlowSampler", () => {
  it("samples until stopped, with marks, and leaves no timer behind", async () => {
    const state = { pushed: 0, replies: 0 };
    const sampler = new FlowSampler(() => performance.now(), { intervalMs: 20, rssEveryMs: 100 });
    sampler.start(probe(state));
    for (let i = 0; i < 10; i++) {
      state.pushed += 100;
      await sleep(25);
    }
    sampler.mark("writes stalled");
    state.replies = 500;
    const samples = await sampler.stop();
    expect(sampler.running).toBe(false);
    expect(samples.points.length).toBeGreaterThanOrEqual(3);
    expect(samples.points.at(-1)).toMatchObject({ pushedBytes: 1000, replyBytes: 500, rssBytes: 2000 });
    expect(samples.marks.map((m) => m.label)).toEqual(["writes stalled"]);
    const withRss = samples.points.filter((p) => p.rssBytes !== undefined).length;
    expect(withRss).toBeGreaterThanOrEqual(2);
    expect(withRss).toBeLessThan(samples.points.length);
    const count = samples.points.length;
    await sleep(200);
    expect(sampler.snapshot().points.length).toBe(count);
  });

  it("thins long series: every other point dropped, the interval doubled, the last point kept", async () => {
    const state = { pushed: 0, replies: 0 };
    const sampler = new FlowSampler(() => state.pushed, { intervalMs: 1, maxPoints: 8 });
    sampler.start(probe(state));
    for (let i = 0; i < 40; i++) {
      state.pushed++;
      await sleep(3);
    }
    const samples = await sampler.stop();
    expect(samples.points.length).toBeLessThanOrEqual(9);
    expect(samples.intervalMs).toBeGreaterThan(1);
    expect(samples.points.at(-1)?.pushedBytes).toBe(40);
    const times = samples.points.map((p) => p.t);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it("stops the sampler when the case throws, and puts the samples on the violation", async () => {
    let seen: FlowSampler | undefined;
    const error = await withFlowSampler(
      () => 0,
      async (sampler) => {
        seen = sampler;
        sampler.start(probe({ pushed: 7, replies: 0 }));
        sampler.mark("FIN");
        throw new Violation("HALF-1", "all replies", "none");
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Violation);
    expect((error as Violation).samples?.marks).toEqual([{ t: 0, label: "FIN" }]);
    expect((error as Violation).samples?.points[0]).toMatchObject({ pushedBytes: 7 });
    expect(seen?.running).toBe(false);
  });
});
