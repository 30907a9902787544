/**
 * Our two servers as the soak launches them: through the suite's launcher (@bridgekeeper/conformance
 * launchTarget, a process group; /proc evidence summed over it), with explicit limits, and, for
 * the descriptor scenario, under a descriptor limit set by the shell's `ulimit -n`.
 */
import { shellQuote } from "@bridgekeeper/client-kit";
import {
  type LaunchedTarget,
  launchTarget,
  ourServerCommand,
  type ProcessEvidence,
  parseTarget,
} from "@bridgekeeper/conformance";
import { SoakRunError } from "./errors.js";

export type ServerKind = "node" | "bun";
export const SERVER_KINDS: readonly ServerKind[] = ["node", "bun"];

function runtimeCommand(kind: ServerKind): string[] {
  const { file, args } = ourServerCommand(kind);
  return [file, ...args];
}

/** Starts a server with `serverArgs`; with `fdLimit`, under `ulimit -n fdLimit` (soft and hard). */
export async function launchServer(
  kind: ServerKind,
  serverArgs: readonly string[],
  fdLimit?: number,
): Promise<LaunchedTarget> {
  try {
    if (fdLimit === undefined) {
      return await launchTarget(parseTarget(kind), { serverArgs, stopTimeoutMs: 15_000 });
    }
    const words = [...runtimeCommand(kind), ...serverArgs].map(shellQuote).join(" ");
    const command = `ulimit -n ${fdLimit} && exec ${words} --port {port}`;
    return await launchTarget(parseTarget(`exec:${command}`), { stopTimeoutMs: 15_000 });
  } catch (error) {
    throw new SoakRunError(
      `${kind}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    );
  }
}

/** The server's /proc evidence now; a gone server is an error (the scenario reports it as a crash). */
export async function sample(server: LaunchedTarget): Promise<ProcessEvidence> {
  const evidence = await server.processEvidence();
  if (evidence === null) {
    throw new SoakRunError(
      `the server exited (${JSON.stringify(server.exitStatus())}): ${server.outputTail()}`,
    );
  }
  return evidence;
}
