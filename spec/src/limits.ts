/**
 * The limits a server runs with (spec section 6 and 9), checked against the spec's floors and
 * ceilings. Sizes are bytes, times milliseconds inside programs; flags take seconds.
 */
import { LIMITS, type LimitName } from "./constants.js";
import { LimitError } from "./errors.js";

export interface ServerLimits {
  /** Q (LIMIT-QUESTION-1/2). */
  readonly maxQuestionBytes: number;
  /** H (FLOW-2/3). */
  readonly highWaterMarkBytes: number;
  /** I (IDLE-1/2/3), in milliseconds. */
  readonly idleTimeoutMs: number;
  /** C (CONN-1/2). */
  readonly maxConnections: number;
  /** The graceful-shutdown deadline (SHUTDOWN-1), in milliseconds. */
  readonly shutdownTimeoutMs: number;
}

/** The flag that sets each limit, shared by both servers and the conformance suite. */
export const LIMIT_FLAGS: Record<LimitName, string> = {
  maxQuestionBytes: "--max-question",
  highWaterMarkBytes: "--high-water-mark",
  idleTimeoutSeconds: "--idle-timeout",
  maxConnections: "--max-connections",
  shutdownTimeoutSeconds: "--shutdown-timeout",
};

/** Checks one value against its range; `label` names it in the error (a flag, an option). */
export function checkLimit(name: LimitName, value: number, label: string = LIMIT_FLAGS[name]): number {
  const range = LIMITS[name];
  const integral = range.unit !== "seconds";
  if (!Number.isFinite(value) || (integral && !Number.isInteger(value))) {
    throw new LimitError(`${label} must be ${integral ? "an integer" : "a number"}, got ${value}`);
  }
  if (value < range.floor || value > range.ceiling) {
    throw new LimitError(
      `${label} must be from ${range.floor} to ${range.ceiling} ${range.unit} (spec limits), got ${value}`,
    );
  }
  return value;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxQuestionBytes: LIMITS.maxQuestionBytes.default,
  highWaterMarkBytes: LIMITS.highWaterMarkBytes.default,
  idleTimeoutMs: LIMITS.idleTimeoutSeconds.default * 1000,
  maxConnections: LIMITS.maxConnections.default,
  shutdownTimeoutMs: LIMITS.shutdownTimeoutSeconds.default * 1000,
};

/** Fills in defaults and checks every given limit against the spec's range. */
export function resolveLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_LIMITS, ...stripUndefined(given) };
  checkLimit("maxQuestionBytes", limits.maxQuestionBytes, "maxQuestionBytes");
  checkLimit("highWaterMarkBytes", limits.highWaterMarkBytes, "highWaterMarkBytes");
  checkLimit("idleTimeoutSeconds", limits.idleTimeoutMs / 1000, "idleTimeoutMs / 1000");
  checkLimit("maxConnections", limits.maxConnections, "maxConnections");
  checkLimit("shutdownTimeoutSeconds", limits.shutdownTimeoutMs / 1000, "shutdownTimeoutMs / 1000");
  return limits;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
