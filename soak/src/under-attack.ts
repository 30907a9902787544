/**
 * The course every attack scenario follows on a launched server: good clients connect and run a
 * quiet warm-up (their latency baseline), the attack thread starts, the server's /proc evidence is
 * sampled every half second while it lasts (peak RSS and descriptors, CPU from ready to done),
 * then the attack's connections go and the server must come back to its descriptor level.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { AnswerBook, LaunchedTarget, ProcessEvidence } from "@bridgekeeper/conformance";
import { type AttackRequest, startAttack } from "./attack-process.js";
import type { AttackFigures } from "./attacks/common.js";
import { GoodClients, type ProbeFigures } from "./probe.js";
import { sample } from "./servers.js";

const SAMPLE_EVERY_MS = 500;
const RECOVERY_WAIT_MS = 20_000;

export interface AttackOutcome {
  readonly attack: AttackFigures;
  readonly quiet: ProbeFigures;
  readonly during: ProbeFigures;
  readonly before: ProcessEvidence;
  readonly peakRssBytes: number;
  readonly peakFds: number;
  /** The last sample while the attack ran. */
  readonly last: ProcessEvidence;
  readonly cpuMs: number;
  readonly windowMs: number;
  readonly after: ProcessEvidence;
  /** Descriptors back to (or under) their level before the attack, within RECOVERY_WAIT_MS. */
  readonly recovered: boolean;
}

export async function underAttack(
  server: LaunchedTarget,
  book: AnswerBook,
  probeConnections: number,
  quietMs: number,
  request: AttackRequest,
): Promise<AttackOutcome> {
  const good = new GoodClients(server.host, server.port, book);
  await good.start(probeConnections);
  try {
    await sleep(quietMs);
    const quiet = good.figures();
    good.reset();
    const before = await sample(server);
    const attack = startAttack(request);
    await attack.ready;
    const startedAt = Date.now();
    const atReady = await sample(server);
    let last = atReady;
    let peakRssBytes = atReady.rssBytes;
    let peakFds = atReady.fds;
    let finished: AttackFigures | undefined;
    void attack.done.then(
      (figures) => {
        finished = figures;
      },
      () => undefined,
    );
    while (finished === undefined) {
      await Promise.race([sleep(SAMPLE_EVERY_MS), attack.done]);
      if (finished !== undefined) break;
      last = await sample(server);
      peakRssBytes = Math.max(peakRssBytes, last.rssBytes);
      peakFds = Math.max(peakFds, last.fds);
    }
    const attackFigures = await attack.done;
    const windowMs = Date.now() - startedAt;
    const during = good.figures();
    const end = await sample(server);
    const cpuMs = end.cpuMs - atReady.cpuMs;
    const { after, recovered } = await recovery(server, before.fds);
    return {
      attack: attackFigures,
      quiet,
      during,
      before,
      peakRssBytes,
      peakFds,
      last,
      cpuMs,
      windowMs,
      after,
      recovered,
    };
  } finally {
    await good.stop();
  }
}

async function recovery(
  server: LaunchedTarget,
  level: number,
): Promise<{ after: ProcessEvidence; recovered: boolean }> {
  const deadline = Date.now() + RECOVERY_WAIT_MS;
  for (;;) {
    const after = await sample(server);
    if (after.fds <= level) return { after, recovered: true };
    if (Date.now() > deadline) return { after, recovered: false };
    await sleep(SAMPLE_EVERY_MS);
  }
}
