/**
 * The descriptor budget of a server process: how many connections it can hold before accept()
 * would fail with EMFILE. Both servers refuse a connection past the budget right after accepting
 * it, as they do past C (CONN-2), so accept() always finds a free descriptor.
 *
 * Why: at the descriptor limit, accept() fails and leaves the connection in the backlog; the
 * listening socket stays readable, and an event loop that only retries (Bun's, 1.4.5) spins a
 * whole core until descriptors free up. libuv (Node) keeps a reserve descriptor instead and drops
 * the waiting connections, silently. With the budget neither server reaches the limit, both log
 * one line when an episode begins and one when it ends, and both serve again as soon as a
 * connection closes.
 *
 * The budget is the soft RLIMIT_NOFILE less the descriptors that are not connections (counted in
 * /proc/self/fd at start and again, at most once a second, whenever the budget is reached: a
 * runtime opens some of its own, a --workers parent holds pipes to its workers) less a reserve
 * of DESCRIPTOR_RESERVE for the socket being refused and for descriptors the runtime opens by itself.
 * Where /proc cannot be read, the budget is unlimited and the runtime's own handling applies.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Descriptors kept free below the limit. */
export const DESCRIPTOR_RESERVE = 8;
/** An episode ends after this long without a refusal; recounts are at least this far apart. */
export const DESCRIPTOR_EPISODE_QUIET_MS = 1000;

/** Where the limit and the open descriptors come from (the process's /proc, or a test's numbers). */
export interface DescriptorProbe {
  /** The soft limit on open descriptors; Infinity when unknown or unlimited. */
  limit(): number;
  /** Descriptors open now; undefined when they cannot be counted. */
  openCount(): number | undefined;
}

/** `Max open files  20000  20000  files` of /proc/self/limits: the soft limit (Infinity if unlimited or absent). */
export function parseOpenFilesLimit(limitsText: string): number {
  const match = /^Max open files\s+(\S+)/m.exec(limitsText);
  if (!match || match[1] === "unlimited") return Number.POSITIVE_INFINITY;
  const value = Number(match[1]);
  return Number.isSafeInteger(value) && value > 0 ? value : Number.POSITIVE_INFINITY;
}

export const procDescriptorProbe: DescriptorProbe = {
  limit: () => {
    try {
      return parseOpenFilesLimit(readFileSync("/proc/self/limits", "utf8"));
    } catch {
      return Number.POSITIVE_INFINITY;
    }
  },
  openCount: () => {
    try {
      return readdirSync("/proc/self/fd").length - 1; // less the directory handle readdir held
    } catch {
      return undefined;
    }
  },
};

interface Episode {
  readonly startedAt: number;
  lastRefusalAt: number;
  refused: number;
}

export class DescriptorBudget {
  private readonly limit: number;
  private others = 0;
  private countedAt = Number.NEGATIVE_INFINITY;
  private allowed = Number.POSITIVE_INFINITY;
  private episode: Episode | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly log: (line: string) => void,
    /** The connections held now (an episode ends only once one more would fit). */
    private readonly heldNow: () => number,
    private readonly probe: DescriptorProbe = procDescriptorProbe,
    private readonly now: () => number = Date.now,
  ) {
    this.limit = probe.limit();
    this.recount(0);
  }

  /** Connections the process can hold at once (Infinity when the limit is unknown). */
  get connectionsAllowed(): number {
    return this.allowed;
  }

  /** Counts open descriptors again; `connectionDescriptors` of them are connections. */
  recount(connectionDescriptors: number): void {
    this.countedAt = this.now();
    const open = this.probe.openCount();
    if (open === undefined || !Number.isFinite(this.limit)) return;
    this.others = Math.max(0, open - connectionDescriptors);
    this.allowed = Math.max(0, this.limit - this.others - DESCRIPTOR_RESERVE);
  }

  /**
   * Whether a new connection fits, `held` being the connections already held (not the new one).
   * At the budget, recounts first (at most once per quiet period); a refusal is noted.
   */
  admits(held: number, newSocketOpen: boolean): boolean {
    if (held < this.allowed) return true;
    if (this.now() - this.countedAt >= DESCRIPTOR_EPISODE_QUIET_MS) {
      this.recount(held + (newSocketOpen ? 1 : 0));
      if (held < this.allowed) return true;
    }
    this.noteRefusal(held);
    return false;
  }

  /** A connection was refused (or dropped by the runtime) because descriptors ran out. */
  noteRefusal(held: number): void {
    const at = this.now();
    if (this.episode !== undefined) {
      this.episode.refused++;
      this.episode.lastRefusalAt = at;
      return;
    }
    this.episode = { startedAt: at, lastRefusalAt: at, refused: 1 };
    this.log(
      `descriptor limit reached: ${held} connections and ${this.others} other descriptors of ${this.limit} (RLIMIT_NOFILE, ${DESCRIPTOR_RESERVE} kept free); refusing new connections until some close`,
    );
    this.timer = setInterval(() => this.endEpisodeIfQuiet(), DESCRIPTOR_EPISODE_QUIET_MS);
    this.timer.unref?.();
  }

  /** Ends an open episode once a connection would fit and a quiet period passed without a refusal. */
  endEpisodeIfQuiet(): void {
    const episode = this.episode;
    if (episode === undefined || this.now() - episode.lastRefusalAt < DESCRIPTOR_EPISODE_QUIET_MS) return;
    if (this.heldNow() >= this.allowed) return;
    this.episode = undefined;
    this.stop();
    const seconds = ((episode.lastRefusalAt - episode.startedAt) / 1000).toFixed(1);
    this.log(`descriptor limit: ${episode.refused} connections refused over ${seconds} s; accepting again`);
  }

  get inEpisode(): boolean {
    return this.episode !== undefined;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
