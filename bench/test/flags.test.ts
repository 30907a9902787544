import { UsageError } from "@bridgekeeper/spec";
import { describe, expect, it } from "vitest";
import { DEFAULT_LOADS, loadLabel, parseBenchFlags, splitTargets } from "../src/flags.js";

function usageError(argv: string[]): UsageError {
  try {
    parseBenchFlags(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`expected ${argv.join(" ")} to be rejected`);
}

describe("parseBenchFlags", () => {
  it("fills the defaults when only targets are given", () => {
    const options = parseBenchFlags(["--target", "node,bun"]);
    expect(options.targets).toEqual(["node", "bun"]);
    expect(options.loads).toEqual(DEFAULT_LOADS);
    expect(options.loads.map(loadLabel)).toEqual(["50x1", "50x16", "1000x1"]);
    expect(options.durationSeconds).toBe(5);
    expect(options.warmupSeconds).toBe(1);
    expect(options.rounds).toBe(3);
    expect(options.tablePath).toBeNull();
    expect(options.idleConnections).toBeNull();
    expect(options.json).toBe(false);
    expect(options.jsonFile).toBeNull();
    expect(options.clientWorkers).toBe(1);
    expect(options.serverArgs).toEqual([]);
    expect(options.baselines).toBe(true);
  });

  it("crosses --connections with --pipeline", () => {
    const options = parseBenchFlags(["--target", "bun", "--connections", "50,1000", "--pipeline", "1,16"]);
    expect(options.loads.map(loadLabel)).toEqual(["50x1", "50x16", "1000x1", "1000x16"]);
  });

  it("takes explicit loads, --flag=value forms and every option", () => {
    const options = parseBenchFlags([
      "--target=node",
      "--target",
      "exec:python3 server.py --port {port}, --fast",
      "--loads=10x1,20x4",
      "--duration",
      "2.5",
      "--warmup=0",
      "--rounds",
      "5",
      "--table",
      "fixtures/tables/utf8.json",
      "--json",
      "--workers-client",
      "2",
      "--server-args",
      "--workers 2  --max-connections 20000",
      "--no-baselines",
      "--start-timeout",
      "10",
      "--json-file",
      "/tmp/out.json",
    ]);
    expect(options.targets).toEqual(["node", "exec:python3 server.py --port {port}, --fast"]);
    expect(options.loads).toEqual([
      { connections: 10, pipeline: 1 },
      { connections: 20, pipeline: 4 },
    ]);
    expect(options.durationSeconds).toBe(2.5);
    expect(options.warmupSeconds).toBe(0);
    expect(options.rounds).toBe(5);
    expect(options.tablePath).toBe("fixtures/tables/utf8.json");
    expect(options.json).toBe(true);
    expect(options.clientWorkers).toBe(2);
    expect(options.serverArgs).toEqual(["--workers", "2", "--max-connections", "20000"]);
    expect(options.baselines).toBe(false);
    expect(options.startTimeoutSeconds).toBe(10);
    expect(options.jsonFile).toBe("/tmp/out.json");
  });

  it("reads idle mode", () => {
    expect(parseBenchFlags(["--target", "node", "--idle", "10000"]).idleConnections).toBe(10000);
  });

  it("accepts --help without a target", () => {
    expect(parseBenchFlags(["--help"]).help).toBe(true);
  });

  it.each([
    [[], "--target is required"],
    [["--target"], "--target needs a value"],
    [["--target", "node", "--bogus"], "unknown flag --bogus"],
    [["--target", "node", "stray"], 'unexpected argument "stray"'],
    [["--target", "node,,bun"], "empty item"],
    [["--target", "node,node"], "listed twice"],
    [["--target", "node", "--connections", "0"], "out of range"],
    [["--target", "node", "--connections", "fifty"], "not a whole number"],
    [["--target", "node", "--pipeline", "1.5"], "not a whole number"],
    [["--target", "node", "--duration", "-1"], "not a number of seconds"],
    [["--target", "node", "--duration", "0"], "out of range"],
    [["--target", "node", "--rounds", "0"], "out of range"],
    [["--target", "node", "--loads", "50by1"], "not CONNECTIONSxPIPELINE"],
    [["--target", "node", "--loads", "50x1", "--pipeline", "4"], "cannot be combined"],
    [["--target", "node", "--idle", "100000"], "out of range"],
    [["--target", "node", "--json=yes"], "takes no value"],
    [["--target", "node", "--rounds", "2", "--rounds", "3"], "given twice"],
    [["--target", "node", "--workers-client", "0"], "out of range"],
    [["--target", "node", "--duration", "--json"], "--duration needs a value"],
  ])("rejects %j with a one-line message", (argv, fragment) => {
    const error = usageError(argv);
    expect(error.code).toBe("E_USAGE");
    expect(error.message).toContain(fragment);
    expect(error.message).not.toContain("\n");
  });
});

describe("splitTargets", () => {
  it("splits lists on commas and keeps an exec command whole", () => {
    expect(splitTargets("node, bun ,127.0.0.1:1060")).toEqual(["node", "bun", "127.0.0.1:1060"]);
    expect(splitTargets("exec:server --a=1,2 --port {port}")).toEqual(["exec:server --a=1,2 --port {port}"]);
  });
});
