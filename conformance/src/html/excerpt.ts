/** Escaped byte excerpts (as the text transcript writes them) cut to a label, one byte marked. */

export interface LabelPart {
  readonly text: string;
  /** The byte that differs from what the rule demanded. */
  readonly bad?: boolean;
}

/**
 * The tokens of an excerpt such as `"What\n\x00?"`, one per byte (`W`, `\n`, `\x00`, ...);
 * null when the text is not a quoted excerpt.
 */
export function excerptTokens(excerpt: string): string[] | null {
  if (!excerpt.startsWith('"')) return null;
  const tokens: string[] = [];
  let i = 1;
  while (i < excerpt.length) {
    const ch = excerpt[i] as string;
    if (ch === '"') return tokens;
    const length = ch !== "\\" ? 1 : excerpt[i + 1] === "x" ? 4 : 2;
    tokens.push(excerpt.slice(i, i + length));
    i += length;
  }
  return null;
}

/**
 * At most `shown` bytes of an excerpt, quoted, with `…` where bytes were left out; when `markAt`
 * is a byte of it, the window holds that byte and marks it.
 */
export function excerptLabel(excerpt: string, markAt = -1, shown = 44): LabelPart[] {
  const tokens = excerptTokens(excerpt);
  if (tokens === null) return [{ text: excerpt.length > shown ? `${excerpt.slice(0, shown)}…` : excerpt }];
  const marking = markAt >= 0 && markAt < tokens.length;
  const start = marking ? Math.max(0, Math.min(markAt - 16, tokens.length - shown)) : 0;
  const end = Math.min(tokens.length, start + shown);
  const open = `"${start > 0 ? "…" : ""}`;
  const close = `${end < tokens.length ? "…" : ""}"`;
  if (!marking) return [{ text: `${open}${tokens.slice(start, end).join("")}${close}` }];
  return [
    { text: `${open}${tokens.slice(start, markAt).join("")}` },
    { text: tokens[markAt] as string, bad: true },
    { text: `${tokens.slice(markAt + 1, end).join("")}${close}` },
  ];
}
