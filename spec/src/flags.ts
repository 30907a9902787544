/**
 * The command-line flags of every program of the project, read by `node:util` `parseArgs` with
 * one error shape: each mistake is a one-line UsageError ("unknown flag --x (see --help)",
 * "--x needs a value", "--x takes no value", "--x given twice", "unexpected argument "y""). What
 * a value means (a size, a duration, a range) is each program's own business.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.js";

export interface FlagOption {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** May be given more than once (the values are collected in order). */
  readonly multiple?: boolean;
  /** Its value may start with "-" (e.g. flags for another program: `--server-args "--workers 2"`). */
  readonly dashValue?: boolean;
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/**
 * parseArgs refuses `--seed -5` as ambiguous: a negative number after a flag is its value, and so
 * is anything after a flag whose value may start with "-".
 */
function joinDashValues(argv: readonly string[], options: Readonly<Record<string, FlagOption>>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = argv[i + 1];
    const option = arg.startsWith("--") ? options[arg.slice(2)] : undefined;
    if (option?.type === "string" && next !== undefined && (/^-\d/.test(next) || option.dashValue)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** parseArgs' own messages, in the project's one-line shape. */
function usageErrorFor(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return new UsageError(`unknown flag ${flag} (see --help)`);
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const word = /'([^']*)'/.exec(message)?.[1] ?? "";
    return new UsageError(`unexpected argument ${JSON.stringify(word)} (see --help)`);
  }
  if (/does not take an argument/.test(message)) return new UsageError(`${flag} takes no value`);
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") return new UsageError(`${flag} needs a value`);
  return new UsageError(message.split("\n")[0] ?? message);
}

/** Reads `argv` (without the program) against `options`; throws a one-line UsageError. */
export function parseFlags(
  argv: readonly string[],
  options: Readonly<Record<string, FlagOption>>,
): FlagValues {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: joinDashValues(argv, options),
      options: Object.fromEntries(
        Object.entries(options).map(([name, { type, short, multiple }]) => [
          name,
          { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) },
        ]),
      ),
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    throw usageErrorFor(error);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== "option" || options[token.name]?.multiple) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} given twice`);
    seen.add(token.name);
  }
  return parsed.values as FlagValues;
}

/** A string flag's value, when given (`values` from parseFlags). */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

/** A repeatable string flag's values, in order (empty when not given). */
export function listFlag(values: FlagValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}
