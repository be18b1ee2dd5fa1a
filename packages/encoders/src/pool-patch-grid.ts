import { MmauxEncoderError } from './errors.js';
import type { PatchGrid } from './types.js';

/**
 * Average-pools the grid part of one image's patch features to a smaller grid, as PyTorch's
 * `AdaptiveAvgPool2d` does (cell i of `out` rows covers input rows `⌊i·in/out⌋ … ⌈(i+1)·in/out⌉ − 1`),
 * e.g. ViT-B/16's 14 × 14 patches to 7 × 7 (exact 2 × 2 means). Prefix tokens (CLS) are kept
 * unchanged in front. The feature cache uses it for `patchGrid`.
 *
 * @param patches - `[prefixTokens + rows·cols, dim]` float32 for one image
 * @param grid - where the patches sit
 * @param dim - feature size
 * @param target - `{ rows, cols }`, each between 1 and the grid's
 * @returns `{ patches: [prefixTokens + target.rows·target.cols, dim], grid }`
 * @throws MmauxEncoderError `INVALID_OPTION` for a target larger than the grid or sizes that do
 *   not match
 *
 * @example
 * ```ts
 * // a 2 × 2 grid of 1-d features with a CLS value 9 in front, pooled to 1 × 1
 * const r = poolPatchGrid(new Float32Array([9, 1, 2, 3, 4]), { rows: 2, cols: 2, prefixTokens: 1 }, 1, { rows: 1, cols: 1 });
 * Array.from(r.patches); // [9, 2.5]
 * r.grid; // {"rows": 1, "cols": 1, "prefixTokens": 1}
 * ```
 */
export function poolPatchGrid(
  patches: Float32Array,
  grid: PatchGrid,
  dim: number,
  target: { rows: number; cols: number },
): { patches: Float32Array; grid: PatchGrid } {
  const fn = 'poolPatchGrid';
  const { rows, cols, prefixTokens } = grid;
  if (patches.length !== (prefixTokens + rows * cols) * dim) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: expected ${(prefixTokens + rows * cols) * dim} values for ${prefixTokens} + ${rows}×${cols} patches of ${dim}, got ${patches.length}.`);
  }
  const tr = target.rows;
  const tc = target.cols;
  if (!Number.isInteger(tr) || !Number.isInteger(tc) || tr < 1 || tc < 1 || tr > rows || tc > cols) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: the target grid ${tr}×${tc} must be between 1×1 and the encoder's ${rows}×${cols}.`);
  }
  if (tr === rows && tc === cols) return { patches, grid: { ...grid } };
  const out = new Float32Array((prefixTokens + tr * tc) * dim);
  out.set(patches.subarray(0, prefixTokens * dim));
  for (let i = 0; i < tr; i++) {
    const r0 = Math.floor((i * rows) / tr);
    const r1 = Math.ceil(((i + 1) * rows) / tr);
    for (let j = 0; j < tc; j++) {
      const c0 = Math.floor((j * cols) / tc);
      const c1 = Math.ceil(((j + 1) * cols) / tc);
      const o = (prefixTokens + i * tc + j) * dim;
      const count = (r1 - r0) * (c1 - c0);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) {
          const s = (prefixTokens + r * cols + c) * dim;
          for (let d = 0; d < dim; d++) out[o + d]! += patches[s + d] as number;
        }
      }
      for (let d = 0; d < dim; d++) out[o + d]! /= count;
    }
  }
  return { patches: out, grid: { rows: tr, cols: tc, prefixTokens } };
}
