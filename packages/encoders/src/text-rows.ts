import type { TextFeatures } from './types.js';

/** One text's encoder output: its real tokens only, and its pooled vector. */
export interface TextRow {
  /** `[length, dim]`, real tokens only. */
  tokens: Float32Array;
  pooled: Float32Array;
}

/** @internal Per-text rows as one batch of {@link TextFeatures}, padded to the longest text, with its mask. */
export function paddedTextFeatures(rows: readonly TextRow[], dim: number): TextFeatures {
  const n = rows.length;
  const length = rows.reduce((m, r) => Math.max(m, r.tokens.length / dim), 0);
  const tokens = new Float32Array(n * length * dim);
  const mask = new Uint8Array(n * length);
  const pooled = new Float32Array(n * dim);
  rows.forEach((r, i) => {
    tokens.set(r.tokens, i * length * dim);
    mask.fill(1, i * length, i * length + r.tokens.length / dim);
    pooled.set(r.pooled, i * dim);
  });
  return { tokens, mask, pooled, shape: { n, length, dim } };
}
