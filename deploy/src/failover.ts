/**
 * The failover scenario: lock-step clients are answered through the proxy, a stream of new
 * connections arrives, one backend is killed, HAProxy's health check takes it out, the backend is
 * started again on its port and taken back in. Every step is timed from the kill (or from the
 * restart), every reply is checked; the report holds what was seen, and judges nothing itself.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Cluster } from "./cluster.js";
import { ClusterStartError } from "./errors.js";
import { sessionServers } from "./haproxy-stats.js";
import { type AskOutcome, LockstepClient } from "./lockstep-client.js";

export interface FailoverOptions {
  /** The backend to kill (a launched one). */
  readonly victim: string;
  readonly signal?: NodeJS.Signals;
  /** Lock-step clients held open through the scenario (default 8). */
  readonly clients?: number;
  /** A new connection (one question) every this many ms (default 100). */
  readonly newConnectionEveryMs?: number;
  /** How long the victim stays down once HAProxy marked it DOWN (default 1000 ms). */
  readonly downForMs?: number;
  /** Bound on every wait for a state (default 15 s). */
  readonly stepTimeoutMs?: number;
  readonly question: Uint8Array;
  readonly answer: Uint8Array;
}

/** One lock-step client held open: asks until it is stopped or an ask is not answered right. */
class SteadyClient {
  server = "?";
  answers = 0;
  answersAfterKill = 0;
  /** The first ask that was not "ok", and when (ms after the kill). */
  failure: { outcome: AskOutcome; atMs: number } | null = null;
  slowestAfterKillMs = 0;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    readonly client: LockstepClient,
    private readonly killedAt: () => number | null,
  ) {}

  start(question: Uint8Array, answer: Uint8Array): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const started = performance.now();
        const outcome = await this.client.ask(question, answer, 5000);
        const kill = this.killedAt();
        if (outcome !== "ok") {
          this.failure = { outcome, atMs: kill === null ? -1 : performance.now() - kill };
          return;
        }
        this.answers++;
        if (kill !== null && started >= kill) {
          this.answersAfterKill++;
          this.slowestAfterKillMs = Math.max(this.slowestAfterKillMs, performance.now() - started);
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.client.destroy();
  }
}

interface Arrival {
  readonly startedAt: number;
  readonly outcome: AskOutcome | "refused";
  readonly ms: number;
}

/** A new connection every `everyMs`, one question each, until stopped. */
class Arrivals {
  readonly records: Arrival[] = [];
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  start(cluster: Cluster, question: Uint8Array, answer: Uint8Array, everyMs: number): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const startedAt = performance.now();
        let outcome: AskOutcome | "refused" = "refused";
        const client = await LockstepClient.open(cluster.host, cluster.port, 5000).catch(() => null);
        if (client) {
          outcome = await client.ask(question, answer, 5000);
          client.destroy();
        }
        const ms = performance.now() - startedAt;
        this.records.push({ startedAt, outcome, ms });
        await sleep(Math.max(0, everyMs - ms));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

export interface FailoverReport {
  readonly victim: string;
  readonly signal: string;
  readonly clientsOnVictim: number;
  readonly clientsOnOthers: number;
  /** Milliseconds after the signal: the process has exited; HAProxy shows the server DOWN. */
  readonly exitedMs: number;
  readonly downMs: number | null;
  /** Milliseconds after the restart began: listening again; UP after a passed check; first new connection on it. */
  readonly listeningMs: number;
  readonly upMs: number | null;
  readonly backInMs: number | null;
  /** Clients held on the other backends through it all. */
  readonly survivors: {
    readonly answersAfterKill: number;
    readonly failed: number;
    readonly slowestAskMs: number;
    readonly failures: readonly string[];
  };
  /** Clients held on the victim: how each one's connection ended. */
  readonly victims: { readonly cut: number; readonly outcomes: readonly string[] };
  /** New connections opened after the victim's process had exited. */
  readonly arrivals: {
    readonly afterExit: number;
    readonly served: number;
    readonly failed: number;
    readonly slowestMs: number;
    readonly failures: readonly string[];
  };
}

async function openClients(cluster: Cluster, options: FailoverOptions, killedAt: () => number | null) {
  const clients: SteadyClient[] = [];
  for (let i = 0; i < (options.clients ?? 8); i++) {
    const client = await LockstepClient.open(cluster.host, cluster.port, 5000);
    clients.push(new SteadyClient(client, killedAt));
    const first = await client.ask(options.question, options.answer, 5000);
    if (first !== "ok")
      throw new ClusterStartError(`failover: client ${i + 1} was not answered before the kill (${first})`);
  }
  const servers = await sessionServers(cluster.statsSocket);
  for (const c of clients) c.server = servers.get(c.client.localPort) ?? "?";
  if (!clients.some((c) => c.server === options.victim)) {
    await Promise.all(clients.map((c) => c.stop()));
    throw new ClusterStartError(`failover: no client was given to ${options.victim}; nothing to fail over`);
  }
  return clients;
}

function summarize(
  options: FailoverOptions,
  clients: readonly SteadyClient[],
  arrivals: readonly Arrival[],
  times: {
    kill: number;
    exited: number;
    down: number | null;
    restart: number;
    listening: number;
    up: number | null;
    backIn: number | null;
  },
): FailoverReport {
  const victims = clients.filter((c) => c.server === options.victim);
  const others = clients.filter((c) => c.server !== options.victim);
  const afterExit = arrivals.filter((a) => a.startedAt >= times.exited);
  const since = (at: number | null, from: number): number | null =>
    at === null ? null : Math.round(at - from);
  return {
    victim: options.victim,
    signal: options.signal ?? "SIGKILL",
    clientsOnVictim: victims.length,
    clientsOnOthers: others.length,
    exitedMs: Math.round(times.exited - times.kill),
    downMs: since(times.down, times.kill),
    listeningMs: Math.round(times.listening - times.restart),
    upMs: since(times.up, times.restart),
    backInMs: since(times.backIn, times.restart),
    survivors: {
      answersAfterKill: others.reduce((n, c) => n + c.answersAfterKill, 0),
      failed: others.filter((c) => c.failure !== null).length,
      slowestAskMs: Math.round(Math.max(0, ...others.map((c) => c.slowestAfterKillMs))),
      failures: others
        .filter((c) => c.failure !== null)
        .map((c) => `${c.server}: ${c.failure?.outcome} at ${Math.round(c.failure?.atMs ?? 0)} ms`),
    },
    victims: {
      cut: victims.filter((c) => c.failure !== null).length,
      outcomes: victims.map((c) => (c.failure === null ? "still answered" : c.failure.outcome)),
    },
    arrivals: {
      afterExit: afterExit.length,
      served: afterExit.filter((a) => a.outcome === "ok").length,
      failed: afterExit.filter((a) => a.outcome !== "ok").length,
      slowestMs: Math.round(Math.max(0, ...afterExit.map((a) => a.ms))),
      failures: afterExit
        .filter((a) => a.outcome !== "ok")
        .map((a) => `${a.outcome} at ${Math.round(a.startedAt - times.kill)} ms`),
    },
  };
}

/** Runs the scenario on a started cluster; leaves the victim running again (or as it found it). */
export async function runFailover(cluster: Cluster, options: FailoverOptions): Promise<FailoverReport> {
  const victim = cluster.backend(options.victim);
  if (!victim.launched) throw new ClusterStartError(`failover: ${options.victim} is not a launched backend`);
  const stepMs = options.stepTimeoutMs ?? 15_000;
  let kill: number | null = null;
  const clients = await openClients(cluster, options, () => kill);
  const arrivals = new Arrivals();
  try {
    for (const c of clients) c.start(options.question, options.answer);
    arrivals.start(cluster, options.question, options.answer, options.newConnectionEveryMs ?? 100);
    await sleep(500);
    kill = performance.now();
    await victim.kill(options.signal ?? "SIGKILL");
    const exited = performance.now();
    const downState = await cluster.waitFor(victim.name, (s) => s.status.startsWith("DOWN"), stepMs);
    const down = downState === null ? null : performance.now();
    await sleep(options.downForMs ?? 1000);
    const sessionsBefore = (await cluster.states()).find((s) => s.name === victim.name)?.totalSessions ?? 0;
    const restart = performance.now();
    await victim.start();
    const listening = performance.now();
    const upState = await cluster.waitFor(
      victim.name,
      (s) => s.status === "UP" && s.checkStatus.endsWith("L7OK"),
      stepMs,
    );
    const up = upState === null ? null : performance.now();
    const inState = await cluster.waitFor(victim.name, (s) => s.totalSessions > sessionsBefore, stepMs);
    const backIn = inState === null ? null : performance.now();
    await sleep(500);
    await arrivals.stop();
    await Promise.all(clients.map((c) => c.stop()));
    return summarize(options, clients, arrivals.records, {
      kill,
      exited,
      down,
      restart,
      listening,
      up,
      backIn,
    });
  } finally {
    await arrivals.stop();
    await Promise.all(clients.map((c) => c.stop()));
  }
}
