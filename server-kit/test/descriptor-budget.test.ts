/** DescriptorBudget: the connections a process can hold below its descriptor limit, and one log line per episode. */
import { describe, expect, it } from "vitest";
import {
  DESCRIPTOR_EPISODE_QUIET_MS,
  DESCRIPTOR_RESERVE,
  DescriptorBudget,
  type DescriptorProbe,
  parseOpenFilesLimit,
} from "../src/descriptor-budget.js";

const LIMITS_TEXT = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            64                   4096                 files
Max locked memory         8388608              8388608              bytes`;

/** A process with `limit` descriptors, `others` of them not connections, plus the connections held. */
function fakeProcess(limit: number, others: number) {
  const state = { held: 0, others, clock: 0, lines: [] as string[] };
  const probe: DescriptorProbe = { limit: () => limit, openCount: () => state.others + state.held };
  const budget = new DescriptorBudget(
    (line) => state.lines.push(line),
    () => state.held,
    probe,
    () => state.clock,
  );
  return { state, budget };
}

describe("parseOpenFilesLimit", () => {
  it("reads the soft limit of /proc/self/limits", () => {
    expect(parseOpenFilesLimit(LIMITS_TEXT)).toBe(64);
  });

  it("is unlimited when the line is missing or says unlimited", () => {
    expect(parseOpenFilesLimit("Max cpu time  unlimited  unlimited  seconds")).toBe(Number.POSITIVE_INFINITY);
    expect(parseOpenFilesLimit("Max open files  unlimited  unlimited  files")).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("DescriptorBudget", () => {
  it("allows the limit less the other descriptors less the reserve", () => {
    const { budget } = fakeProcess(64, 10);
    expect(budget.connectionsAllowed).toBe(64 - 10 - DESCRIPTOR_RESERVE);
  });

  it("is unlimited when the limit or the descriptors cannot be read", () => {
    const unknownLimit = new DescriptorBudget(
      () => undefined,
      () => 0,
      { limit: () => Number.POSITIVE_INFINITY, openCount: () => 10 },
    );
    expect(unknownLimit.connectionsAllowed).toBe(Number.POSITIVE_INFINITY);
    const uncounted = new DescriptorBudget(
      () => undefined,
      () => 0,
      { limit: () => 64, openCount: () => undefined },
    );
    expect(uncounted.admits(1000, true)).toBe(true);
  });

  it("refuses past the budget and logs once for a whole episode of refusals", () => {
    const { state, budget } = fakeProcess(64, 10);
    const allowed = budget.connectionsAllowed;
    state.held = allowed;
    for (let i = 0; i < 50; i++) {
      state.clock += 10;
      expect(budget.admits(state.held, true)).toBe(false);
    }
    expect(state.lines).toHaveLength(1);
    expect(state.lines[0]).toMatch(
      /^descriptor limit reached: 46 connections and 10 other descriptors of 64/,
    );
    expect(budget.inEpisode).toBe(true);
    budget.stop();
  });

  it("ends the episode only once a connection would fit and a quiet period passed, with a count", () => {
    const { state, budget } = fakeProcess(64, 10);
    state.held = budget.connectionsAllowed;
    budget.admits(state.held, true);
    budget.admits(state.held, true);
    state.clock += DESCRIPTOR_EPISODE_QUIET_MS * 5;
    budget.endEpisodeIfQuiet(); // quiet, but still full: the episode goes on
    expect(budget.inEpisode).toBe(true);
    state.held -= 1;
    budget.endEpisodeIfQuiet();
    expect(budget.inEpisode).toBe(false);
    expect(state.lines[1]).toBe("descriptor limit: 2 connections refused over 0.0 s; accepting again");
    expect(budget.admits(state.held, true)).toBe(true);
  });

  it("recounts at the budget, at most once per quiet period, and admits when descriptors were freed", () => {
    const { state, budget } = fakeProcess(64, 30);
    state.held = budget.connectionsAllowed; // 26
    state.others = 30;
    state.clock += DESCRIPTOR_EPISODE_QUIET_MS;
    expect(budget.admits(state.held, false)).toBe(false);
    state.others = 10; // the runtime closed 20 descriptors of its own
    state.clock += 1;
    expect(budget.admits(state.held, false)).toBe(false); // not recounted yet
    state.clock += DESCRIPTOR_EPISODE_QUIET_MS;
    expect(budget.admits(state.held, false)).toBe(true);
    expect(budget.connectionsAllowed).toBe(64 - 10 - DESCRIPTOR_RESERVE);
    budget.stop();
  });

  it("counts a just-accepted socket as a connection when recounting", () => {
    const { state, budget } = fakeProcess(64, 10);
    state.held = budget.connectionsAllowed;
    state.clock += DESCRIPTOR_EPISODE_QUIET_MS;
    // The new socket is open (one more descriptor) but not yet among the held connections.
    state.others += 1;
    expect(budget.admits(state.held, true)).toBe(false);
    expect(budget.connectionsAllowed).toBe(64 - 10 - DESCRIPTOR_RESERVE);
    budget.stop();
  });
});
