/** Every case, in spec-section order. Case ids are stable: reports, expect files and replays use them. */
import type { ConformanceCase } from "../case.js";
import { closingCases } from "./closing.js";
import { concurrencyCases } from "./concurrency.js";
import { connectionCases } from "./connections.js";
import { descriptorCases } from "./descriptors.js";
import { flowCases } from "./flow.js";
import { framingCases } from "./framing.js";
import { idleCases } from "./idle.js";
import { limitCases } from "./limits.js";
import { replyCases } from "./replies.js";
import { resourceCases } from "./resources.js";
import { shutdownCases } from "./shutdown.js";
import { transportCases } from "./transport.js";

export const allCases: readonly ConformanceCase[] = [
  ...transportCases,
  ...framingCases,
  ...replyCases,
  ...limitCases,
  ...flowCases,
  ...concurrencyCases,
  ...closingCases,
  ...descriptorCases,
  ...idleCases,
  ...connectionCases,
  ...resourceCases,
  ...shutdownCases,
];
