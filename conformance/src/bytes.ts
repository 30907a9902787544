/** Rendering bytes for people: printable ASCII as is, everything else escaped, long runs elided. */

const HEX = "0123456789abcdef";

export function escapeBytes(bytes: Uint8Array, limit = 160): string {
  let out = "";
  const shown = Math.min(bytes.length, limit);
  for (let i = 0; i < shown; i++) {
    const b = bytes[i] as number;
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x22) out += '\\"';
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x0d) out += "\\r";
    else if (b === 0x09) out += "\\t";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  const more = bytes.length > shown ? `...(+${bytes.length - shown} bytes)` : "";
  return `"${out}"${more}`;
}

/** Index of the first differing byte, or -1 when `a` and `b` are equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** A window of `bytes` around `offset` for a mismatch message. */
export function around(bytes: Uint8Array, offset: number, radius = 40): string {
  const start = Math.max(0, offset - radius);
  const slice = bytes.subarray(start, Math.min(bytes.length, offset + radius));
  return `${start > 0 ? "..." : ""}${escapeBytes(slice, radius * 2)}`;
}

/** The bytes from `offset` on, escaped, at most `length` of them (for "expected ... / got ..." side by side). */
export function excerptAt(bytes: Uint8Array, offset: number, length = 40): string {
  const slice = bytes.subarray(offset, Math.min(bytes.length, offset + length));
  return `${escapeBytes(slice, length)}${bytes.length > offset + length ? "..." : ""}`;
}

export function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
