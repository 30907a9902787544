/**
 * Faults as named, composable pieces (in the spirit of toxiproxy's toxics): a client script is a
 * list of steps, built from a byte stream cut by `splitAt` (client-kit), `pause`, `halfClose`, `reset`. Scripts come from
 * seeded arbitraries, so a failure's fault schedule is part of its replay.
 */
import type { WireClient } from "./client.js";

export type Step =
  | { readonly op: "write"; readonly bytes: Buffer }
  | { readonly op: "pause"; readonly ms: number }
  | { readonly op: "half-close" }
  | { readonly op: "reset" };

/** One write per piece, a pause between pieces. */
export function withPauses(pieces: readonly Buffer[], ms: number): Step[] {
  const steps: Step[] = [];
  pieces.forEach((bytes, i) => {
    if (i > 0 && ms > 0) steps.push({ op: "pause", ms });
    steps.push({ op: "write", bytes });
  });
  return steps;
}

export const pause = (ms: number): Step => ({ op: "pause", ms });
export const halfClose = (): Step => ({ op: "half-close" });
export const reset = (): Step => ({ op: "reset" });

/** Plays a script on a client; returns the bytes written. */
export async function play(client: WireClient, steps: readonly Step[]): Promise<number> {
  let written = 0;
  for (const step of steps) {
    switch (step.op) {
      case "write":
        await client.send(step.bytes);
        written += step.bytes.length;
        break;
      case "pause":
        await client.pause(step.ms);
        break;
      case "half-close":
        client.finish();
        break;
      case "reset":
        client.reset();
        break;
    }
  }
  return written;
}
