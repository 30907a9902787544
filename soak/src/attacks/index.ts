/** The attacks by name, as an attack thread runs them. */
import type { AttackRequest } from "../attack-process.js";
import type { AttackFigures, Ready } from "./common.js";
import { flood } from "./flood.js";
import { nonReaders } from "./non-readers.js";
import { resetStorm } from "./reset-storm.js";
import { slowloris } from "./slowloris.js";

export function runAttack(request: AttackRequest, ready: Ready): Promise<AttackFigures> {
  switch (request.attack) {
    case "flood":
      return flood(request.target, request.flood, ready);
    case "slowloris":
      return slowloris(request.target, request.slowloris, ready);
    case "non-readers":
      return nonReaders(request.target, request.nonReaders, ready);
    case "reset-storm":
      return resetStorm(request.target, request.resetStorm, ready);
  }
}
