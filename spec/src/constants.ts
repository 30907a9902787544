/** Protocol constants and the limits of spec/launcelot.md section 6 and 9, as numbers. */

export const SPEC_VERSION = "1.2.0";
export const DEFAULT_PORT = 1060;

export const QUESTION_END = 0x3f; // "?"
export const ANSWER_END = 0x2e; // "."

/** Bytes skipped where a question would start (FRAME-2): SP, HT, CR, LF. */
export const SEPARATOR_BYTES: readonly number[] = [0x20, 0x09, 0x0d, 0x0a];

export function isSeparator(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** UNKNOWN-1: the reply to a question that is not in the table. */
export const UNKNOWN_REPLY_TEXT = "I don't know that.";
/** LIMIT-QUESTION-2: the last reply on a connection whose question grew past the limit. */
export const TOO_LONG_REPLY_TEXT = "Your question is too long.";

const encoder = new TextEncoder();
export const UNKNOWN_REPLY: Uint8Array = encoder.encode(UNKNOWN_REPLY_TEXT);
export const TOO_LONG_REPLY: Uint8Array = encoder.encode(TOO_LONG_REPLY_TEXT);

/** A setting's floor, ceiling and our servers' default (spec section 6, table of limits). */
export interface LimitRange {
  readonly floor: number;
  readonly ceiling: number;
  readonly default: number;
  readonly unit: "bytes" | "seconds" | "connections";
}

export const LIMITS = {
  /** Q: LIMIT-QUESTION-1/2. */
  maxQuestionBytes: { floor: 1024, ceiling: 65536, default: 4096, unit: "bytes" },
  /** H: FLOW-2/3. */
  highWaterMarkBytes: { floor: 16 * 1024, ceiling: 16 * 1024 * 1024, default: 256 * 1024, unit: "bytes" },
  /** I: IDLE-1/2/3. */
  idleTimeoutSeconds: { floor: 10, ceiling: 600, default: 60, unit: "seconds" },
  /** C: CONN-1/2. No ceiling in the spec; ours refuses more than the process can hold. */
  maxConnections: { floor: 128, ceiling: 1_000_000, default: 10_000, unit: "connections" },
  /** SHUTDOWN-1 deadline. */
  shutdownTimeoutSeconds: { floor: 0, ceiling: 30, default: 10, unit: "seconds" },
} as const satisfies Record<string, LimitRange>;

export type LimitName = keyof typeof LIMITS;

/** Table rules TABLE-1 and TABLE-2. */
export const TABLE_QUESTION_MAX_BYTES = 1024;
export const TABLE_ANSWER_MAX_BYTES = 65536;
