/** Messages between the load generator (main thread) and its worker threads. */

export interface LoadWorkerConfig {
  readonly host: string;
  readonly port: number;
  /** This worker's connections and the sequence number of its first one (spreads the questions). */
  readonly connections: number;
  readonly firstConnection: number;
  readonly pipeline: number;
  readonly questions: readonly Uint8Array[];
  readonly answers: readonly Uint8Array[];
  /** Connections opened at once, and how long one connect may take. */
  readonly connectBatch: number;
  readonly connectTimeoutMs: number;
}

/**
 * main -> worker: start asking; start counting (the window opens); stop asking and report; close the
 * connections and exit (sent after the server's last sample, so closing costs stay out of the window).
 */
export type LoadCommand =
  | { readonly type: "run" }
  | { readonly type: "measure" }
  | { readonly type: "stop" }
  | { readonly type: "close" };

export interface LoadReport {
  readonly answers: number;
  readonly wrong: number;
  readonly errors: number;
  readonly firstError: string | null;
  /** Compressed HDR histogram of round trips in microseconds, for the measured window. */
  readonly latencies: string;
}

/** worker -> main. */
export type LoadEvent =
  | {
      readonly type: "ready";
      readonly connected: number;
      readonly failed: number;
      readonly firstError: string | null;
    }
  | { readonly type: "report"; readonly report: LoadReport };
