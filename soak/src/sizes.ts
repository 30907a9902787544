/**
 * How big and how long each scenario is: the full run (RELIABILITY.md) and the short form (`--short`,
 * seconds per scenario, run by `npm test` to check the harness itself). Servers are launched with
 * C = 1000 for the flood and slowloris so that C is reached well within both processes' descriptor
 * limits (the generator holds every connection too); the other scenarios keep the servers' defaults.
 */
export interface Sizes {
  /** Good clients beside every attack, and their quiet warm-up (the baseline of their latency). */
  readonly probeConnections: number;
  readonly quietMs: number;
  readonly fuzzMs: number;
  /** --only for the suite's fuzz run (the short form fuzzes two properties only). */
  readonly fuzzOnly: readonly string[];
  readonly flood: {
    readonly maxConnections: number;
    readonly durationMs: number;
    readonly lanes: number;
    readonly holdMs: number;
  };
  readonly slowloris: {
    readonly maxConnections: number;
    readonly durationMs: number;
    readonly byteEveryMs: number;
  };
  readonly nonReaders: { readonly clients: number; readonly burstBytes: number; readonly holdMs: number };
  readonly resetStorm: { readonly connections: number; readonly lanes: number };
  readonly descriptors: { readonly fdLimit: number; readonly clients: number; readonly windowMs: number };
}

export const FULL: Sizes = {
  probeConnections: 4,
  quietMs: 5000,
  fuzzMs: 10 * 60_000,
  fuzzOnly: [],
  flood: { maxConnections: 1000, durationMs: 60_000, lanes: 256, holdMs: 5000 },
  slowloris: { maxConnections: 1000, durationMs: 60_000, byteEveryMs: 3000 },
  nonReaders: { clients: 2000, burstBytes: 64 * 1024, holdMs: 20_000 },
  resetStorm: { connections: 100_000, lanes: 128 },
  descriptors: { fdLimit: 128, clients: 400, windowMs: 5000 },
};

export const SHORT: Sizes = {
  probeConnections: 2,
  quietMs: 1000,
  fuzzMs: 3000,
  fuzzOnly: ["reply.pipelined", "frame.fragmented"],
  flood: { maxConnections: 128, durationMs: 3000, lanes: 32, holdMs: 1000 },
  slowloris: { maxConnections: 128, durationMs: 4000, byteEveryMs: 100 },
  nonReaders: { clients: 100, burstBytes: 16 * 1024, holdMs: 2000 },
  resetStorm: { connections: 2000, lanes: 32 },
  descriptors: { fdLimit: 64, clients: 120, windowMs: 2000 },
};

/** The servers' defaults of Q and H (spec section 6), which every scenario launches with. */
export const QUESTION_LIMIT = 4096;
export const HIGH_WATER_MARK = 256 * 1024;
/** One read of the server (Node's and Bun's reads are at most 64 KiB). */
export const ONE_READ = 64 * 1024;
