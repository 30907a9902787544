/**
 * Replays: one format, `CASE@SEED` or `CASE@SEED:PATH` (PATH is fast-check's counterexample path,
 * e.g. `3:1:0`), also stored in a failure file (JSON) that reports and --fuzz write.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ReplayError } from "./errors.js";

export interface ReplaySpec {
  readonly caseId: string;
  readonly seed: number;
  readonly path?: string;
}

export const FAILURE_FILE_FORMAT = "launcelot-conformance-failure/1";

export interface FailureFile {
  readonly format: typeof FAILURE_FILE_FORMAT;
  readonly replay: string;
  readonly case: string;
  readonly seed: number;
  readonly path?: string;
  readonly target: string;
  readonly table: string;
  readonly rule?: string;
  readonly message?: string;
  readonly transcript?: string;
  readonly command: string;
}

const REPLAY_PATTERN = /^([a-z0-9][a-z0-9.-]*)@(-?\d+)(?::(\d+(?::\d+)*))?$/;

export function parseReplayString(text: string): ReplaySpec {
  const match = REPLAY_PATTERN.exec(text.trim());
  if (!match) {
    throw new ReplayError(
      `--replay ${JSON.stringify(text)}: expected CASE@SEED[:PATH] (e.g. frame.fragmented@42:3:0) or a failure file`,
    );
  }
  const seed = Number(match[2]);
  if (!Number.isSafeInteger(seed)) throw new ReplayError(`--replay ${text}: seed is not an integer`);
  return { caseId: match[1] as string, seed, ...(match[3] !== undefined ? { path: match[3] } : {}) };
}

export function formatReplay(spec: ReplaySpec): string {
  return `${spec.caseId}@${spec.seed}${spec.path ? `:${spec.path}` : ""}`;
}

/** A replay argument is a string when it matches the format, else the name of a failure file. */
export async function readReplayArgument(text: string): Promise<{ spec: ReplaySpec; file?: FailureFile }> {
  if (REPLAY_PATTERN.test(text.trim())) return { spec: parseReplayString(text) };
  let raw: string;
  try {
    raw = await readFile(text, "utf8");
  } catch (error) {
    throw new ReplayError(
      `--replay ${text}: neither CASE@SEED[:PATH] nor a readable failure file (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(raw);
  } catch {
    throw new ReplayError(`--replay ${text}: not a JSON failure file`);
  }
  const file = document as Partial<FailureFile>;
  if (file.format !== FAILURE_FILE_FORMAT || typeof file.replay !== "string") {
    throw new ReplayError(`--replay ${text}: not a failure file (format must be ${FAILURE_FILE_FORMAT})`);
  }
  return { spec: parseReplayString(file.replay), file: file as FailureFile };
}

export async function writeFailureFile(dir: string, failure: FailureFile): Promise<string> {
  await mkdir(dir, { recursive: true });
  const name = `${failure.case}@${failure.seed}.json`;
  const file = join(dir, name);
  await writeFile(file, `${JSON.stringify(failure, null, 2)}\n`);
  return file;
}
