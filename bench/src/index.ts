/** What other packages reuse of the benchmark tool (the soak harness): tables, numbers, latency histograms, the machine. */
export { latencyPercentiles, newLatencyHistogram } from "./latency.js";
export { describeMachine, formatMachine, type MachineInfo } from "./machine.js";
export { formatMiB, formatNumber, markdownTable, toJson } from "./report.js";
export { shellQuote } from "./targets.js";
