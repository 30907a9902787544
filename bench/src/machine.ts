/** The machine a benchmark ran on, as BENCHMARKS.md must state it. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, release, totalmem } from "node:os";
import { runtimeExecutable } from "@bridgekeeper/conformance";

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryMiB: number;
  readonly kernel: string;
  readonly node: string;
  readonly bun: string | null;
}

/** The bun that runs the `bun` target (that of the installed @bridgekeeper/impl-bun); null without it. */
function bunPath(): string | null {
  try {
    return runtimeExecutable("bun");
  } catch {
    return null;
  }
}

/** The first `model name` of /proc/cpuinfo, or "unknown". */
export function cpuModel(cpuinfo: string): string {
  const match = /^model name\s*:\s*(.+)$/m.exec(cpuinfo);
  return match?.[1]?.trim() ?? "unknown";
}

export function describeMachine(): MachineInfo {
  let cpuinfo = "";
  try {
    cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // not Linux: the model stays unknown
  }
  const bunFile = bunPath();
  const bun =
    bunFile === null ? null : spawnSync(bunFile, ["--version"], { encoding: "utf8", timeout: 10_000 });
  return {
    cpus: availableParallelism(),
    cpuModel: cpuModel(cpuinfo),
    memoryMiB: Math.round(totalmem() / (1024 * 1024)),
    kernel: release(),
    node: process.version,
    bun: bun?.status === 0 ? bun.stdout.trim() : null,
  };
}

export function formatMachine(machine: MachineInfo): string {
  return `${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryMiB} MiB, Linux ${machine.kernel}, node ${machine.node}, bun ${machine.bun ?? "not found"}`;
}
