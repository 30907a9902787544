/** The servers' shared command line: parseServerArgs and serverUsage. */
import { DEFAULT_LIMITS, UsageError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { MAX_WORKERS, parseServerArgs, serverUsage } from "../src/command-line.js";

function serve(argv: string[]) {
  const command = parseServerArgs(argv);
  if (command.kind !== "serve") throw new Error(`expected serve, got ${command.kind}`);
  return command;
}

function usageError(argv: string[]): UsageError {
  try {
    parseServerArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(argv)}`);
}

describe("parseServerArgs", () => {
  it("defaults to 127.0.0.1:1060, the canonical table, one worker and the spec's default limits", () => {
    expect(serve([])).toEqual({
      kind: "serve",
      host: "127.0.0.1",
      port: 1060,
      tablePath: undefined,
      workers: 1,
      limits: DEFAULT_LIMITS,
    });
  });

  it("reads every flag, with a separate value or after '='", () => {
    const command = serve([
      "--host",
      "0.0.0.0",
      "--port=0",
      "--table",
      "t.json",
      "--workers",
      "4",
      "--max-question",
      "2KiB",
      "--high-water-mark=1MiB",
      "--idle-timeout",
      "12.5",
      "--max-connections",
      "128",
      "--shutdown-timeout",
      "0",
    ]);
    expect(command).toEqual({
      kind: "serve",
      host: "0.0.0.0",
      port: 0,
      tablePath: "t.json",
      workers: 4,
      limits: {
        maxQuestionBytes: 2048,
        highWaterMarkBytes: 1024 * 1024,
        idleTimeoutMs: 12_500,
        maxConnections: 128,
        shutdownTimeoutMs: 0,
      },
    });
  });

  it("takes an IPv6 host with or without brackets", () => {
    expect(serve(["--host", "[::1]"]).host).toBe("::1");
    expect(serve(["--host", "::1"]).host).toBe("::1");
  });

  it("returns help and version requests", () => {
    expect(parseServerArgs(["--port", "0", "--help"])).toEqual({ kind: "help" });
    expect(parseServerArgs(["-h"])).toEqual({ kind: "help" });
    expect(parseServerArgs(["--version"])).toEqual({ kind: "version" });
    expect(parseServerArgs(["-V"])).toEqual({ kind: "version" });
  });

  it("accepts every limit at its floor and ceiling", () => {
    expect(serve(["--max-question", "1024"]).limits.maxQuestionBytes).toBe(1024);
    expect(serve(["--max-question", "64KiB"]).limits.maxQuestionBytes).toBe(65536);
    expect(serve(["--high-water-mark", "16KiB"]).limits.highWaterMarkBytes).toBe(16 * 1024);
    expect(serve(["--high-water-mark", "16MiB"]).limits.highWaterMarkBytes).toBe(16 * 1024 * 1024);
    expect(serve(["--idle-timeout", "10"]).limits.idleTimeoutMs).toBe(10_000);
    expect(serve(["--idle-timeout", "600"]).limits.idleTimeoutMs).toBe(600_000);
    expect(serve(["--max-connections", "128"]).limits.maxConnections).toBe(128);
    expect(serve(["--shutdown-timeout", "30"]).limits.shutdownTimeoutMs).toBe(30_000);
    expect(serve(["--workers", String(MAX_WORKERS)]).workers).toBe(MAX_WORKERS);
  });

  it.each([
    [["--max-question", "1023"], "--max-question must be from 1024 to 65536"],
    [["--max-question", "65537"], "--max-question must be from 1024 to 65536"],
    [["--high-water-mark", "16383"], "--high-water-mark must be from 16384"],
    [["--high-water-mark", "17MiB"], "--high-water-mark must be from 16384"],
    [["--idle-timeout", "9.9"], "--idle-timeout must be from 10 to 600"],
    [["--idle-timeout", "601"], "--idle-timeout must be from 10 to 600"],
    [["--max-connections", "127"], "--max-connections must be from 128"],
    [["--shutdown-timeout", "31"], "--shutdown-timeout must be from 0 to 30"],
    [["--workers", "0"], "--workers must be from 1 to 64"],
    [["--workers", "65"], "--workers must be from 1 to 64"],
    [["--port", "65536"], "--port must be from 0 to 65535"],
    [["--port", "-1"], '--port expects a whole number, got "-1"'],
    [["--port", "http"], '--port expects a whole number, got "http"'],
    [["--max-question", "4k"], "--max-question expects a size in bytes"],
    [["--idle-timeout", "1m"], "--idle-timeout expects a number of seconds"],
    [["--port"], "--port needs a value"],
    [["--table", "--port", "0"], "--table needs a value"],
    [["--host="], "--host needs a value"],
    [["--port", "1", "--port", "2"], "--port given twice"],
    [["--verbose"], "unknown flag --verbose (see --help)"],
    [["serve"], 'unexpected argument "serve" (see --help)'],
  ])("rejects %j with a one-line UsageError", (argv, message) => {
    const error = usageError(argv);
    expect(error.code).toBe("E_USAGE");
    expect(error.message).toContain(message);
    expect(error.message).not.toContain("\n");
  });
});

describe("serverUsage", () => {
  it("names the program and lists every flag with its range", () => {
    const text = serverUsage("launcelot-test");
    expect(text.startsWith("Usage: launcelot-test [options]")).toBe(true);
    for (const flag of [
      "--host",
      "--port",
      "--table",
      "--workers",
      "--max-question",
      "--high-water-mark",
      "--idle-timeout",
      "--max-connections",
      "--shutdown-timeout",
      "--help",
      "--version",
    ]) {
      expect(text).toContain(flag);
    }
    expect(text).toContain("1024 to 65536");
  });
});
