/**
 * What every connection of one server shares, and the server's bookkeeping of them, the same in
 * both servers: the table and the core's options, the limits, the counters, the open connections,
 * the idle clock and the descriptor budget. Each server's `server.ts` keeps only its listener glue
 * around it; each `connection.ts` reads it on the hot path (one object, plain fields).
 */
import {
  type ConnectionOptions,
  newCounters,
  type ProtocolCounters,
  type QuestionTable,
  type ServerLimits,
} from "@bridgekeeper/spec";
import { DescriptorBudget } from "./descriptor-budget.js";
import { type ClockedConnection, IdleClock } from "./idle-clock.js";
import { newServerStats, type ServerStats, statsSnapshot } from "./server-stats.js";

export class ServerState<C extends ClockedConnection> {
  readonly stats: ServerStats = newServerStats();
  readonly counters: ProtocolCounters = newCounters();
  /** The options of every connection's core (Q and the shared counters): one object for all. */
  readonly coreOptions: ConnectionOptions;
  /** H, the output held per connection before reading stops (FLOW-2). */
  readonly highWaterMark: number;
  readonly connections = new Set<C>();
  readonly clock: IdleClock<C>;
  readonly budget: DescriptorBudget;
  private whenEmpty: (() => void) | undefined;

  constructor(
    readonly table: QuestionTable,
    readonly limits: ServerLimits,
    readonly log: (line: string) => void,
    /** Called for each connection at each idle sweep (see IdleClock). */
    observe?: (connection: C) => void,
  ) {
    this.coreOptions = { maxQuestionBytes: limits.maxQuestionBytes, counters: this.counters };
    this.highWaterMark = limits.highWaterMarkBytes;
    this.clock = new IdleClock(limits.idleTimeoutMs, this.connections, observe);
    this.budget = new DescriptorBudget(log, () => this.stats.connectionsOpen);
  }

  /** A connection was accepted. */
  opened(connection: C): void {
    this.connections.add(connection);
    this.stats.connectionsOpen++;
    this.stats.connectionsTotal++;
    this.clock.start();
  }

  /** A connection's socket closed. */
  closed(connection: C): void {
    if (!this.connections.delete(connection)) return;
    this.stats.connectionsOpen--;
    if (this.connections.size === 0) this.whenEmpty?.();
  }

  /** Calls `done` once no connection is open: at once, or when the last one closes. */
  afterLastConnection(done: () => void): void {
    if (this.connections.size === 0) done();
    else this.whenEmpty = done;
  }

  /** The counters of `stats()`. */
  snapshot(): ServerStats {
    return statsSnapshot(this.stats, this.counters);
  }

  /** The server has stopped: its timers too. */
  stop(): void {
    this.whenEmpty = undefined;
    this.clock.stop();
    this.budget.stop();
  }
}
