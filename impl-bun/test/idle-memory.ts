/**
 * Memory per idle connection of a Bun server run as its own process: RSS (VmRSS) before and after
 * N connections that each asked one question and then sit idle, from a client in this process;
 * kernel memory is not in RSS. Connections open in batches (somaxconn is 4096 here). Also measures
 * a minimal `Bun.listen` server the same way, as the runtime's floor.
 *
 * Run (the client under Bun, the servers as their own Bun processes):
 *   npx tsc -b && node_modules/.bin/bun impl-bun/test/idle-memory.ts [N]
 */
import type { Socket } from "node:net";
import {
  bunPath,
  type LaunchResult,
  serverFrom,
  spawnProgram,
  spawnServer,
  stopAll,
} from "../../impl-tests/test/harness.js";
import { A_NAME, ask, connect, NAME, Received, sleep } from "../../impl-tests/test/wire.js";

const MINIMAL_SERVER = `
const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: {
  data(socket, d) { if (d.length > 0) socket.write("My name is Sir Lancelot of Camelot."); } } });
console.log("listening on 127.0.0.1:" + s.port);
`;

export interface IdleMemory {
  connections: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  kibPerConnection: number;
}

/** Opens a connection, asks one question and resolves once the whole answer is in. */
async function openOne(port: number): Promise<Socket> {
  const socket = await connect(port);
  await ask(socket, new Received(socket), NAME, A_NAME);
  return socket;
}

/** The launcelot-bun entry point on port 0. */
export function bunMain(): LaunchResult {
  return spawnServer("bun", "main", ["--port", "0"]);
}

export async function measureIdleMemory(run: LaunchResult, connections: number): Promise<IdleMemory> {
  const sockets: Socket[] = [];
  try {
    const server = await serverFrom("bun", "idle-memory server", run);
    // Warm up: one connection through every callback, then let the heap settle.
    (await openOne(server.port)).destroy();
    await sleep(1500);
    const rssBeforeKiB = server.rssKiB();
    for (let opened = 0; opened < connections; ) {
      const batch = Math.min(500, connections - opened);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => openOne(server.port)))));
      opened += batch;
    }
    await sleep(3000);
    const rssAfterKiB = server.rssKiB();
    return {
      connections,
      rssBeforeKiB,
      rssAfterKiB,
      kibPerConnection: Math.round(((rssAfterKiB - rssBeforeKiB) / connections) * 100) / 100,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    run.child.kill("SIGKILL");
    await run.exited;
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const minimal = await measureIdleMemory(spawnProgram(bunPath, ["-e", MINIMAL_SERVER]), n);
  console.log(`minimal Bun.listen server: ${JSON.stringify(minimal)}`);
  const ours = await measureIdleMemory(bunMain(), n);
  console.log(`launcelot-bun:             ${JSON.stringify(ours)}`);
  await stopAll();
}

if (process.argv[1]?.endsWith("idle-memory.ts")) void main();
