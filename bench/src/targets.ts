/**
 * Bench targets on top of the suite's launcher (@bridgekeeper/conformance parseTarget/launchTarget):
 * the runtime targets `node` and `bun`, any address or exec target, and the runtime baselines
 * `node-minimal` / `bun-minimal`, which are exec targets running bench/baselines/ under the same
 * runtime executable. Each runtime target is compared with its own runtime's baseline.
 */

import { resolve } from "node:path";
import { shellQuote } from "@bridgekeeper/client-kit";
import {
  type LaunchedTarget,
  launchTarget,
  parseTarget,
  runtimeExecutable,
  type TargetSpec,
} from "@bridgekeeper/conformance";
import { UsageError } from "@bridgekeeper/spec";
import { packageDir } from "@bridgekeeper/spec/package-dir";
import { canonicalTablePath } from "@bridgekeeper/spec/table-file";
import { TARGET_LABEL } from "./flags.js";
import type { ServerSample } from "./load-generator.js";

export type Runtime = "node" | "bun";

export interface BenchTarget {
  /** The name in tables: node, bun, node-minimal, bun-minimal, or the target text. */
  readonly label: string;
  readonly spec: TargetSpec;
  /** Flags after `--port 0` for launched node and bun targets. */
  readonly serverArgs: readonly string[];
  /** The runtime a target is compared within; null for address and exec targets. */
  readonly runtime: Runtime | null;
  readonly isBaseline: boolean;
  /** A runtime target with flags of its own (`node --workers 2`): measured, not judged by the performance goals. */
  readonly variant: boolean;
}

const benchDir = packageDir(import.meta.url);
export const baselineFiles: Readonly<Record<Runtime, string>> = {
  node: resolve(benchDir, "baselines", "minimal-node.mjs"),
  bun: resolve(benchDir, "baselines", "minimal-bun.mjs"),
};

/** The exec: command of a runtime's minimal server ({port} is filled in by the launcher). */
export function baselineCommand(runtime: Runtime, tablePath: string | null): string {
  const words = [
    runtimeExecutable(runtime),
    baselineFiles[runtime],
    "--host",
    "127.0.0.1",
    "--port",
    "{port}",
  ];
  words.push("--table", tablePath ?? canonicalTablePath()); // always named: the baselines default to a path of the checkout
  return `exec ${words.map((w) => (w === "{port}" ? w : shellQuote(w))).join(" ")}`;
}

function baselineTarget(runtime: Runtime, tablePath: string | null): BenchTarget {
  return {
    label: `${runtime}-minimal`,
    spec: parseTarget(`exec:${baselineCommand(runtime, tablePath)}`),
    serverArgs: [],
    runtime,
    isBaseline: true,
    variant: false,
  };
}

const RUNTIME_WITH_ARGS = /^(node|bun)\s+(\S.*)$/s;

export interface ResolveOptions {
  readonly baselines: boolean;
  readonly serverArgs: readonly string[];
  readonly tablePath: string | null;
}

/** Turns --target texts into bench targets, adding baselines for the runtimes present. */
export function resolveTargets(texts: readonly string[], options: ResolveOptions): BenchTarget[] {
  const targets: BenchTarget[] = [];
  for (const given of texts) {
    const labelled = TARGET_LABEL.exec(given);
    const text = labelled ? (labelled[2] as string) : given;
    const name = labelled ? (labelled[1] as string) : null;
    if (text === "node-minimal" || text === "bun-minimal") {
      const baseline = baselineTarget(text === "node-minimal" ? "node" : "bun", options.tablePath);
      targets.push(name === null ? baseline : { ...baseline, label: name });
      continue;
    }
    // `node --workers 2`: a runtime target with flags of its own, after --server-args.
    const withArgs = RUNTIME_WITH_ARGS.exec(text);
    const ownArgs = withArgs ? (withArgs[2] as string).split(/\s+/).filter((a) => a !== "") : [];
    let spec: TargetSpec;
    try {
      spec = parseTarget(withArgs ? (withArgs[1] as string) : text);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const runtime = spec.kind === "node" || spec.kind === "bun" ? spec.kind : null;
    const tableArgs = runtime !== null && options.tablePath !== null ? ["--table", options.tablePath] : [];
    targets.push({
      label: name ?? (spec.kind === "exec" || spec.kind === "address" ? spec.text : text),
      spec,
      serverArgs: runtime !== null ? [...tableArgs, ...options.serverArgs, ...ownArgs] : [],
      runtime,
      isBaseline: false,
      variant: ownArgs.length > 0,
    });
  }
  if (options.baselines) {
    for (const runtime of ["node", "bun"] as const) {
      const present = targets.some((t) => t.runtime === runtime && !t.isBaseline);
      const listed = targets.some((t) => t.runtime === runtime && t.isBaseline);
      if (present && !listed) targets.push(baselineTarget(runtime, options.tablePath));
    }
  }
  const labels = new Set<string>();
  for (const target of targets) {
    if (labels.has(target.label)) throw new UsageError(`two targets are named ${target.label}`);
    labels.add(target.label);
  }
  return targets;
}

/** The baseline a target's ratios are taken against, if any is in the run. */
export function baselineOf(target: BenchTarget, all: readonly BenchTarget[]): BenchTarget | undefined {
  if (target.isBaseline || target.runtime === null) return undefined;
  return all.find((t) => t.isBaseline && t.runtime === target.runtime);
}

export function launchBenchTarget(target: BenchTarget, startTimeoutMs: number): Promise<LaunchedTarget> {
  return launchTarget(target.spec, { serverArgs: target.serverArgs, startTimeoutMs, stopTimeoutMs: 15_000 });
}

/** CPU and memory of a launched target's process group (its --workers children included). */
export async function sampleTarget(launched: LaunchedTarget): Promise<ServerSample | null> {
  const evidence = await launched.processEvidence();
  return evidence === null ? null : { cpuMs: evidence.cpuMs, rssBytes: evidence.rssBytes, fds: evidence.fds };
}
