/** What a caller asks of a run (the library's options; the CLI builds them from its flags). */
import type { ConformanceCase } from "../case.js";
import type { ReplaySpec } from "../replay.js";
import type { CaseResult, ReportHeader } from "../report.js";

/** The target's limits as the caller declares them; undeclared ones are judged as the spec says (section 14). */
export interface DeclaredLimits {
  readonly maxQuestion?: number;
  readonly idleTimeoutSec?: number;
  readonly maxConnections?: number;
  readonly shutdownTimeoutSec?: number;
}

export interface ConformanceOptions {
  readonly target: string;
  readonly table?: string;
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly runs?: number;
  readonly seed?: number;
  readonly strict?: boolean;
  /** Progress wait: how long without a byte before "no answer" (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly limits?: DeclaredLimits;
  /** Where undeclared limits are probed: "floor" (default) or also "ceiling" (IDLE-2 at 600 s). */
  readonly probe?: "floor" | "ceiling";
  /** How long each property may spend shrinking a failure (default 15 s). */
  readonly shrinkBudgetMs?: number;
  readonly signal?: AbortSignal;
  /** Rerun exactly one counterexample. */
  readonly replay?: ReplaySpec;
  /** Case ids of known failures (from an expect file), and the file's name for the report. */
  readonly expectedFailures?: readonly string[];
  readonly expectFile?: string;
  /** Keep running the properties with fresh seeds this long, saving every counterexample. */
  readonly fuzzMs?: number;
  /** Where --fuzz and failing runs write failure files (default: none for runs, ./conformance-failures for fuzz). */
  readonly failuresDir?: string;
  /**
   * Called with the report's header as soon as it is known, and again when it changes (the target
   * launched, the waits measured), so that a caller can write a partial report at any moment.
   */
  readonly onHeader?: (header: ReportHeader) => void;
  /** Called after every case (progress output). */
  readonly onCase?: (result: CaseResult) => void;
  /** The command prefix for replay commands in the report. */
  readonly commandPrefix?: string;
  readonly startTimeoutMs?: number;
  /** The descriptor limit the ROBUST-2 case starts its own instance of a launched target with (default 128). */
  readonly fdLimit?: number;
  /** The cases to choose from (default: every case of the suite). */
  readonly cases?: readonly ConformanceCase[];
}

/** What the suite passes to node and bun targets it launches (declared in the report header). */
export const LAUNCH_DEFAULTS = { idleTimeoutSec: 10, maxConnections: 256, shutdownTimeoutSec: 10 } as const;

/** The descriptor limit of the instance the ROBUST-2 case starts, unless --fd-limit says otherwise. */
export const DEFAULT_FD_LIMIT = 128;
