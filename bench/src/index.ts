/** What other packages reuse of the benchmark tool (soak, deploy): the load generator, tables, numbers, latency histograms, the machine. */

export type { Load } from "./flags.js";
export { latencyPercentiles, newLatencyHistogram } from "./latency.js";
export { runLoad } from "./load-generator.js";
export { describeMachine, formatMachine, type MachineInfo } from "./machine.js";
export { formatMiB, formatNumber, markdownTable, toJson } from "./report.js";
export { median } from "./stats.js";
