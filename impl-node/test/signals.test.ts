import { describe, expect, it } from "vitest";
import { decideSignal, forcedExitCode } from "../src/signals.js";

describe("decideSignal", () => {
  it("shuts down on the first signal", () => {
    expect(decideSignal(undefined, 5000)).toBe("shutdown");
  });
  it("ignores a second signal within a second", () => {
    expect(decideSignal(5000, 5000)).toBe("ignore");
    expect(decideSignal(5000, 5999)).toBe("ignore");
  });
  it("forces the exit on a signal a second or more after the first", () => {
    expect(decideSignal(5000, 6000)).toBe("force");
    expect(decideSignal(5000, 60_000)).toBe("force");
  });
  it("exits 130 for SIGINT and 143 for SIGTERM", () => {
    expect(forcedExitCode("SIGINT")).toBe(130);
    expect(forcedExitCode("SIGTERM")).toBe(143);
  });
});
