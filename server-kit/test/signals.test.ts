import { describe, expect, it } from "vitest";
import { decideSignal, forcedExitCode, installSignalHandlers, type ShutdownSignal } from "../src/signals.js";

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

describe("installSignalHandlers", () => {
  it("shuts down on the first signal, ignores one within a second, forces on one later, and uninstalls", () => {
    let clock = 10_000;
    const calls: string[] = [];
    const lines: string[] = [];
    const remove = installSignalHandlers(
      {
        shutdown: (signal: ShutdownSignal) => calls.push(`shutdown ${signal}`),
        force: (signal: ShutdownSignal) => calls.push(`force ${signal}`),
        log: (line) => lines.push(line),
      },
      () => clock,
    );
    const before = { int: process.listenerCount("SIGINT"), term: process.listenerCount("SIGTERM") };
    try {
      process.emit("SIGTERM", "SIGTERM");
      clock += 999;
      process.emit("SIGINT", "SIGINT");
      clock += 1;
      process.emit("SIGINT", "SIGINT");
    } finally {
      remove();
    }
    expect(calls).toEqual(["shutdown SIGTERM", "force SIGINT"]);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/ignored/);
    expect(process.listenerCount("SIGINT")).toBe(before.int - 1);
    expect(process.listenerCount("SIGTERM")).toBe(before.term - 1);
  });
});
