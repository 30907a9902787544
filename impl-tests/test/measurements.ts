/**
 * Numbers the tests measure (bytes pushed, RSS, peaks) are printed as one line each, prefixed
 * `[measure]`, so a test run's output carries them for the notes.
 */
export function recordMeasurement(kind: string, what: string, values: Record<string, number | string>): void {
  const fields = Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join(" ");
  console.log(`[measure] ${kind}: ${what}: ${fields}`);
}
