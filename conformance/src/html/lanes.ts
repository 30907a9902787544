/** The client lanes of a sequence diagram: one per connection, the rest on one shared lane. */
import type { WireRecordEvent } from "../wirelog.js";

/** Client lanes drawn at most; past that the later connections share the last lane. */
export const MAX_CLIENT_LANES = 8;

export interface Lane {
  readonly x: number;
  readonly label: string;
  readonly conns: readonly number[];
}

export interface Lanes {
  readonly lanes: readonly Lane[];
  /** The x of the lane a connection is drawn on (the first lane's for notes and unknown ids). */
  x(conn: number): number;
  /** The x of the rightmost client lane. */
  readonly lastX: number;
}

/**
 * Lanes for the connections of `events` in order of first appearance, from `left`, `step` apart.
 * With more than MAX_CLIENT_LANES connections the first ones keep a lane each, `keep` (the one
 * holding the marked byte) too, and the others share one lane labelled with their range.
 */
export function laneLayout(
  events: readonly WireRecordEvent[],
  keep: number | undefined,
  left: number,
  step: number,
): Lanes {
  const conns: number[] = [];
  for (const e of events) if (e.conn > 0 && !conns.includes(e.conn)) conns.push(e.conn);
  let own = conns;
  let shared: number[] = [];
  if (conns.length > MAX_CLIENT_LANES) {
    own = conns.slice(0, MAX_CLIENT_LANES - 1);
    if (keep !== undefined && conns.includes(keep) && !own.includes(keep)) own = [...own.slice(0, -1), keep];
    shared = conns.filter((c) => !own.includes(c));
  }
  const lanes: Lane[] = own.map((c, i) => ({ x: left + i * step, label: `c${c}`, conns: [c] }));
  if (shared.length > 0) {
    const low = Math.min(...shared);
    const high = Math.max(...shared);
    lanes.push({ x: left + own.length * step, label: `c${low}..c${high} (${shared.length})`, conns: shared });
  }
  const byConn = new Map<number, number>();
  for (const lane of lanes) for (const c of lane.conns) byConn.set(c, lane.x);
  return {
    lanes,
    x: (conn) => byConn.get(conn) ?? left,
    lastX: lanes.length > 0 ? (lanes[lanes.length - 1] as Lane).x : left,
  };
}
