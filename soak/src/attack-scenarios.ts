/**
 * The four attack scenarios of issue 15, each on a fresh server: connection flood, slowloris, mass
 * non-readers and reset storm. Each turns an AttackOutcome into figures beside their bounds: the
 * connection limit C (CONN-2), the memory bound clients x (Q + H + one read) over the server's
 * quiet RSS (FLOW-2, RESOURCE-3), the good clients answered and never wrong (FAIR-1), descriptors
 * back to their level (RESOURCE-1), CPU of a nearly idle load (RESOURCE-2's 25 % of a core).
 */
import type { AnswerBook, LaunchedTarget } from "@bridgekeeper/conformance";
import type { AttackRequest } from "./attack-process.js";
import { againstQuiet, type Figure, judged, mib, percentOfCore, reported } from "./figures.js";
import { launchServer, type ServerKind } from "./servers.js";
import { HIGH_WATER_MARK, ONE_READ, QUESTION_LIMIT, type Sizes } from "./sizes.js";
import { type AttackOutcome, underAttack } from "./under-attack.js";

const IDLE_CPU_PERCENT = 25;

export interface AttackScenarioResult {
  readonly figures: Figure[];
  readonly raw: Record<string, unknown>;
}

function goodClientFigures(o: AttackOutcome): Figure[] {
  const d = o.during;
  return [
    judged(
      "good clients: answers (wrong, errors)",
      `${d.answers} (${d.wrong}, ${d.errors})`,
      "> 0 (0, 0): FAIR-1",
      d.answers > 0 && d.wrong === 0 && d.errors === 0,
    ),
    reported("good clients: p99 latency", againstQuiet(d.p99Ms, o.quiet.p99Ms)),
  ];
}

function memoryFigure(name: string, rssBytes: number, o: AttackOutcome, clients: number): Figure {
  const bound = o.before.rssBytes + clients * (QUESTION_LIMIT + HIGH_WATER_MARK + ONE_READ);
  return judged(
    name,
    `${mib(rssBytes)} MiB`,
    `<= ${mib(bound)} MiB: quiet ${mib(o.before.rssBytes)} + ${clients} x (Q + H + 64 KiB)`,
    rssBytes <= bound,
  );
}

function recoveryFigures(o: AttackOutcome): Figure[] {
  return [
    judged(
      "server descriptors after (before)",
      `${o.after.fds} (${o.before.fds})`,
      "back to their level within 20 s: RESOURCE-1",
      o.recovered,
    ),
  ];
}

async function withServer<T>(
  kind: ServerKind,
  args: readonly string[],
  body: (server: LaunchedTarget) => Promise<T>,
): Promise<T> {
  const server = await launchServer(kind, args);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

function run(
  server: LaunchedTarget,
  book: AnswerBook,
  sizes: Sizes,
  request: AttackRequest,
): Promise<AttackOutcome> {
  return underAttack(server, book, sizes.probeConnections, sizes.quietMs, request);
}

export function floodScenario(
  kind: ServerKind,
  book: AnswerBook,
  sizes: Sizes,
): Promise<AttackScenarioResult> {
  const p = sizes.flood;
  return withServer(kind, ["--max-connections", String(p.maxConnections)], async (server) => {
    const target = { host: server.host, port: server.port };
    const o = await run(server, book, sizes, { attack: "flood", target, flood: p });
    const a = o.attack;
    const held = o.peakFds - o.before.fds;
    return {
      raw: { ...o },
      figures: [
        reported(
          `connects per second (${p.lanes} in flight, ${(p.durationMs / 1000).toFixed(0)} s)`,
          (a.connectsPerSecond ?? 0).toFixed(0),
        ),
        judged(
          "connections refused at once",
          String(a.refusedAtOnce),
          `> 0: past C = ${p.maxConnections} (CONN-2)`,
          (a.refusedAtOnce ?? 0) > 0,
        ),
        judged(
          "server connections at peak (descriptors over quiet)",
          String(held),
          `<= C + 16 = ${p.maxConnections + 16}`,
          held <= p.maxConnections + 16,
        ),
        ...goodClientFigures(o),
        memoryFigure("server RSS at the end", o.last.rssBytes, o, p.maxConnections),
        ...recoveryFigures(o),
      ],
    };
  });
}

export function slowlorisScenario(
  kind: ServerKind,
  book: AnswerBook,
  sizes: Sizes,
): Promise<AttackScenarioResult> {
  const p = sizes.slowloris;
  const connections = p.maxConnections - 10;
  return withServer(kind, ["--max-connections", String(p.maxConnections)], async (server) => {
    const target = { host: server.host, port: server.port };
    const o = await run(server, book, sizes, {
      attack: "slowloris",
      target,
      slowloris: { connections, durationMs: p.durationMs, byteEveryMs: p.byteEveryMs },
    });
    const a = o.attack;
    const cpu = percentOfCore(o.cpuMs, o.windowMs);
    return {
      raw: { ...o },
      figures: [
        judged(
          "trickling connections held to the end",
          `${a.heldAtEnd} of ${a.opened}`,
          `all ${connections} = C - 10 (a byte every ${p.byteEveryMs / 1000} s is activity: IDLE-1)`,
          a.heldAtEnd === connections && a.opened === connections,
        ),
        judged(
          "trickled questions answered (wrong)",
          `${a.answers} of ${a.questionsCompleted} (${a.wrong})`,
          "all, none wrong: ANSWER-1",
          a.answers === a.questionsCompleted && a.wrong === 0,
        ),
        ...goodClientFigures(o),
        memoryFigure("server RSS at peak", o.peakRssBytes, o, connections),
        judged(
          "server CPU, % of one core",
          cpu.toFixed(1),
          `<= ${IDLE_CPU_PERCENT} (RESOURCE-2 margin)`,
          cpu <= IDLE_CPU_PERCENT,
        ),
        ...recoveryFigures(o),
      ],
    };
  });
}

export function nonReadersScenario(
  kind: ServerKind,
  book: AnswerBook,
  sizes: Sizes,
): Promise<AttackScenarioResult> {
  const p = sizes.nonReaders;
  return withServer(kind, [], async (server) => {
    const target = { host: server.host, port: server.port };
    const o = await run(server, book, sizes, { attack: "non-readers", target, nonReaders: p });
    const a = o.attack;
    return {
      raw: { ...o },
      figures: [
        judged(
          "non-reading clients connected",
          `${a.connected} of ${p.clients}`,
          "all (C = 10000)",
          a.connected === p.clients,
        ),
        reported(
          "questions pushed, all clients",
          `${mib(a.bytesPushed ?? 0)} MiB (${(p.burstBytes / 1024).toFixed(0)} KiB each)`,
        ),
        reported("bytes the kernel did not take (client side)", `${mib(a.bytesNotTakenByKernel ?? 0)} MiB`),
        memoryFigure("server RSS at peak", o.peakRssBytes, o, p.clients),
        reported(
          "server RSS over quiet, per client",
          `${((o.peakRssBytes - o.before.rssBytes) / p.clients / 1024).toFixed(1)} KiB`,
        ),
        ...goodClientFigures(o),
        ...recoveryFigures(o),
      ],
    };
  });
}

export function resetStormScenario(
  kind: ServerKind,
  book: AnswerBook,
  sizes: Sizes,
): Promise<AttackScenarioResult> {
  const p = sizes.resetStorm;
  return withServer(kind, [], async (server) => {
    const target = { host: server.host, port: server.port };
    const o = await run(server, book, sizes, { attack: "reset-storm", target, resetStorm: p });
    const a = o.attack;
    const alive = server.exitStatus() === null;
    return {
      raw: { ...o },
      figures: [
        judged(
          "connections reset",
          `${a.resets} of ${p.connections}`,
          `all ${p.connections}`,
          a.resets === p.connections,
        ),
        reported(
          "resets at once / mid-question / after questions / mid-answers",
          `${a.atOnce} / ${a.midQuestion} / ${a.afterQuestions} / ${a.midAnswers}`,
        ),
        reported("resets per second", (a.resetsPerSecond ?? 0).toFixed(0)),
        judged("server alive", alive ? "yes" : "no", "yes: ROBUST-1", alive),
        ...goodClientFigures(o),
        reported("server RSS at peak", `${mib(o.peakRssBytes)} MiB (quiet ${mib(o.before.rssBytes)})`),
        ...recoveryFigures(o),
      ],
    };
  });
}
