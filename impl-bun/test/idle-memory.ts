/**
 * Memory per idle connection of a Bun server run as its own process: RSS (VmRSS) before and after
 * N connections that each asked one question and then sit idle, from a client in this (Node)
 * process; kernel memory is not in RSS. Connections open in batches (somaxconn is 4096 here).
 * Also measures a minimal `Bun.listen` server the same way, as the runtime's floor.
 *
 * Run: npx tsc -b impl-bun/test && node impl-bun/dist-test/idle-memory.js [N]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { bunPath, mainScript, repoRoot } from "./harness.js";

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

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServer(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(bunPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolvePort, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("server did not listen within 30 s")), 30_000);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      text += chunk;
      const match = /listening on .*:(\d+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolvePort(Number(match[1]));
      }
    });
    child.once("exit", () => reject(new Error("server exited")));
  });
  return { child, port };
}

/** Opens a connection, asks one question and resolves once the answer (35 bytes) is in. */
function openOne(port: number): Promise<Socket> {
  return new Promise((resolveSocket, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let got = 0;
    socket.once("error", reject);
    socket.once("connect", () => socket.write("What is your name?"));
    socket.on("data", (chunk: Buffer) => {
      got += chunk.length;
      if (got >= 35) resolveSocket(socket);
    });
  });
}

export async function measureIdleMemory(args: string[], connections: number): Promise<IdleMemory> {
  const { child, port } = await startServer(args);
  const pid = child.pid as number;
  const sockets: Socket[] = [];
  try {
    // Warm up: one connection through every callback, then let the heap settle.
    (await openOne(port)).destroy();
    await sleep(1500);
    const rssBeforeKiB = rssKiB(pid);
    for (let opened = 0; opened < connections; ) {
      const batch = Math.min(500, connections - opened);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => openOne(port)))));
      opened += batch;
    }
    await sleep(3000);
    const rssAfterKiB = rssKiB(pid);
    return {
      connections,
      rssBeforeKiB,
      rssAfterKiB,
      kibPerConnection: Math.round(((rssAfterKiB - rssBeforeKiB) / connections) * 100) / 100,
    };
  } finally {
    for (const socket of sockets) socket.destroy();
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const minimal = await measureIdleMemory(["-e", MINIMAL_SERVER], n);
  console.log(`minimal Bun.listen server: ${JSON.stringify(minimal)}`);
  const ours = await measureIdleMemory([mainScript, "--port", "0"], n);
  console.log(`launcelot-bun:             ${JSON.stringify(ours)}`);
}

if (process.argv[1]?.endsWith("idle-memory.js")) void main();
