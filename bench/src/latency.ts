/**
 * Round-trip latency in HDR histograms (hdr-histogram-js), recorded in whole microseconds by each
 * generator worker, shipped to the main thread in the standard compressed encoding and merged there.
 */
import type { Histogram } from "hdr-histogram-js";
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from "hdr-histogram-js";

/** A histogram of microseconds, 3 significant digits, growing past a minute if it must. */
export function newLatencyHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export function encodeLatencies(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Decodes and adds every encoded histogram into one. */
export function mergeLatencies(encoded: readonly string[]): Histogram {
  const merged = newLatencyHistogram();
  for (const text of encoded) {
    const part = decodeFromCompressedBase64(text, 32, false);
    merged.add(part);
    part.destroy();
  }
  return merged;
}

export interface LatencyPercentiles {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
}

export function latencyPercentiles(histogram: Histogram): LatencyPercentiles {
  const ms = (percentile: number): number =>
    histogram.totalCount === 0 ? Number.NaN : histogram.getValueAtPercentile(percentile) / 1000;
  return { count: histogram.totalCount, p50Ms: ms(50), p99Ms: ms(99), p999Ms: ms(99.9) };
}
