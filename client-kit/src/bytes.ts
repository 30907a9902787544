/** Cutting a byte stream into writes, and joining pieces back. */

/** Cuts `bytes` at the given offsets (any order, duplicates and out-of-range ones ignored); no empty piece. */
export function splitAt(bytes: Uint8Array, points: readonly number[]): Buffer[] {
  const cuts = [...new Set(points.filter((p) => p > 0 && p < bytes.length))].sort((a, b) => a - b);
  const whole = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const cut of cuts) {
    pieces.push(whole.subarray(at, cut));
    at = cut;
  }
  if (at < whole.length) pieces.push(whole.subarray(at));
  return pieces;
}

export function concatBytes(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}
