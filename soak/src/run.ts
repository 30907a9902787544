/** Runs the chosen scenarios against each chosen server, one at a time, each on a fresh server. */
import { AnswerBook } from "@bridgekeeper/conformance";
import { loadTableFile } from "@bridgekeeper/spec/table-file";
import {
  floodScenario,
  nonReadersScenario,
  resetStormScenario,
  slowlorisScenario,
} from "./attack-scenarios.js";
import { descriptorScenario } from "./descriptors.js";
import type { Figure, ScenarioResult } from "./figures.js";
import type { ScenarioName, SoakOptions } from "./flags.js";
import { fuzzScenario } from "./fuzz.js";
import type { ServerKind } from "./servers.js";
import { FULL, SHORT, type Sizes } from "./sizes.js";

type ScenarioRun = (
  kind: ServerKind,
  book: AnswerBook,
  sizes: Sizes,
  fuzzMs: number,
) => Promise<{ figures: Figure[]; raw: Record<string, unknown> }>;

const RUNS: Record<ScenarioName, ScenarioRun> = {
  fuzz: (kind, _book, sizes, fuzzMs) => fuzzScenario(kind, fuzzMs, sizes.fuzzOnly),
  flood: floodScenario,
  slowloris: slowlorisScenario,
  "non-readers": nonReadersScenario,
  "reset-storm": resetStormScenario,
  descriptors: descriptorScenario,
};

export interface SoakRun {
  readonly startedAt: string;
  readonly short: boolean;
  readonly sizes: Sizes;
  readonly fuzzMs: number;
  readonly results: ScenarioResult[];
  durationMs: number;
}

export async function runSoak(options: SoakOptions, progress: (line: string) => void): Promise<SoakRun> {
  const sizes = options.short ? SHORT : FULL;
  const fuzzMs = options.fuzzMs ?? sizes.fuzzMs;
  const book = new AnswerBook(await loadTableFile());
  const started = Date.now();
  const run: SoakRun = {
    startedAt: new Date(started).toISOString(),
    short: options.short,
    sizes,
    fuzzMs,
    results: [],
    durationMs: 0,
  };
  for (const kind of options.targets) {
    for (const scenario of options.scenarios) {
      progress(`${kind}: ${scenario}...`);
      const t0 = Date.now();
      try {
        const { figures, raw } = await RUNS[scenario](kind, book, sizes, fuzzMs);
        run.results.push({ scenario, server: kind, figures, raw });
        const out = figures.filter((f) => f.ok === false).map((f) => f.name);
        progress(
          `${kind}: ${scenario}: ${out.length === 0 ? "within bounds" : `OUT OF BOUNDS: ${out.join("; ")}`} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
        );
      } catch (error) {
        const message = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
        run.results.push({ scenario, server: kind, figures: [], raw: {}, error: message });
        progress(`${kind}: ${scenario}: FAILED: ${message}`);
      }
    }
  }
  run.durationMs = Date.now() - started;
  return run;
}
