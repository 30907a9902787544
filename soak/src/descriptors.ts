/**
 * Descriptor exhaustion (issue 15, part 1): a server under `ulimit -n N`, more clients at once than
 * N, so that without its descriptor budget accept() would fail while connections wait in the
 * backlog. Judged: CPU over a window with every client still connected (a spinning accept loop
 * uses a whole core), the excess refused at once (closed with nothing sent), one log line for the
 * episode, the held clients served meanwhile, and new clients served once the others have gone.
 */

import type { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { AnswerBook } from "@bridgekeeper/conformance";
import { openMany, resetAll } from "./attacks/common.js";
import { type Figure, judged, percentOfCore } from "./figures.js";
import { GoodClients } from "./probe.js";
import { launchServer, type ServerKind, sample } from "./servers.js";
import type { Sizes } from "./sizes.js";

const MAX_CPU_PERCENT = 25;

interface Watched {
  readonly socket: Socket;
  bytes: number;
  closed: boolean;
}

function watch(socket: Socket): Watched {
  const watched: Watched = { socket, bytes: 0, closed: false };
  socket.on("data", (chunk: Buffer) => {
    watched.bytes += chunk.length;
  });
  socket.once("close", () => {
    watched.closed = true;
  });
  return watched;
}

const NAME = "What is your name?";
const NAME_ANSWER_BYTES = "My name is Sir Lancelot of Camelot.".length;

/** Asks on a connection the server holds; true once the answer's bytes came. */
async function answeredOn(client: Watched): Promise<boolean> {
  const want = client.bytes + NAME_ANSWER_BYTES;
  client.socket.write(NAME);
  const deadline = Date.now() + 10_000;
  while (client.bytes < want && !client.closed && Date.now() < deadline) await sleep(50);
  return client.bytes >= want;
}

/** Good clients on fresh connections for `ms`: how many answers they got. */
async function answersFor(host: string, port: number, book: AnswerBook, ms: number): Promise<number> {
  const good = new GoodClients(host, port, book);
  await good.start(2);
  await sleep(ms);
  return (await good.stop()).answers;
}

export async function descriptorScenario(
  kind: ServerKind,
  book: AnswerBook,
  sizes: Sizes,
): Promise<{ figures: Figure[]; raw: Record<string, unknown> }> {
  const p = sizes.descriptors;
  const server = await launchServer(kind, [], p.fdLimit);
  try {
    const before = await sample(server);
    const clients = (await openMany(server, p.clients, p.clients)).map(watch);
    await sleep(2000); // the excess is refused at once; give the closes a coarse moment
    const atStart = await sample(server);
    await sleep(p.windowMs);
    const atEnd = await sample(server);
    const cpu = percentOfCore(atEnd.cpuMs - atStart.cpuMs, p.windowMs);
    const refused = clients.filter((c) => c.closed);
    const refusedSilently = refused.filter((c) => c.bytes === 0).length;
    const held = clients.filter((c) => !c.closed);
    const heldServed = held[0] !== undefined && (await answeredOn(held[0]));
    resetAll(clients.map((c) => c.socket));
    await sleep(1500);
    const servedAfter = await answersFor(server.host, server.port, book, 1000);
    await sleep(1500); // the episode ends after a quiet second
    const log = server.outputTail();
    const episodes = log.match(/descriptor limit reached/g)?.length ?? 0;
    const ended = /accepting again/.test(log);
    const raw = {
      before,
      atStart,
      atEnd,
      cpu,
      clients: clients.length,
      refused: refused.length,
      held: held.length,
      heldServed,
      servedAfter,
      episodes,
      ended,
    };
    return {
      raw,
      figures: [
        judged(
          "server CPU with every client connected, % of one core",
          cpu.toFixed(1),
          `<= ${MAX_CPU_PERCENT} (a spinning accept loop: 100)`,
          cpu <= MAX_CPU_PERCENT,
        ),
        judged(
          "clients refused at once, nothing sent",
          `${refusedSilently} of ${clients.length}`,
          `> 0 and all refused ones silent (limit ${p.fdLimit})`,
          refusedSilently > 0 && refusedSilently === refused.length,
        ),
        judged(
          "server descriptors at the limit",
          `${atStart.fds} (quiet ${before.fds})`,
          `< ${p.fdLimit}: accept() never fails`,
          atStart.fds < p.fdLimit,
        ),
        judged(
          'log lines "descriptor limit reached" (episode end logged)',
          `${episodes} (${ended ? "yes" : "no"})`,
          "1 (yes): once per episode",
          episodes === 1 && ended,
        ),
        judged("a held client answered during the episode", heldServed ? "yes" : "no", "yes", heldServed),
        judged("answers once the clients left", String(servedAfter), "> 0", servedAfter > 0),
      ],
    };
  } finally {
    await server.stop();
  }
}
