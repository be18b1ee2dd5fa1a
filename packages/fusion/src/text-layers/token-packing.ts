import * as tf from '@tensorflow/tfjs';
import { withGradient } from '../custom-gradient.js';
import { gatherRows, placeRows } from '../kernels/gather-rows.js';

// Padding removed inside the stack ("unpadding"): a batch of tweets padded to its longest text is
// about half padding (realistic lengths 8–64: 513 real of 1,008 positions), and every
// projection, layer norm, residual and FFN of a layer works row by row, so the padded rows were
// half of the step's work for outputs nobody reads (a padded key gets weight 0 and the padded
// rows of the output are not meaningful). The rows of real tokens are packed into one
// `[1, R, C]` tensor for all of that; only attention, which mixes tokens of a post, sees them
// in the `[N, T, C]` grid again (padded rows zero there).

/** Where a batch's real tokens lie: flat positions `i·T + j` with mask 1, in order. */
export interface TokenPacking {
  n: number;
  t: number;
  rows: Int32Array;
}

/** The packing of a `[N, T]` 0/1 mask, or null when it has no padding (nothing to remove). */
export function tokenPacking(mask: Float32Array, n: number, t: number): TokenPacking | null {
  const rows: number[] = [];
  for (let k = 0; k < n * t; k++) if (mask[k] === 1) rows.push(k);
  return rows.length === n * t ? null : { n, t, rows: Int32Array.from(rows) };
}

/** `[N, T, C]` → `[1, R, C]`, the real tokens' rows; the gradient puts them back (padding 0). */
export function packTokens(x: tf.Tensor3D, p: TokenPacking): tf.Tensor3D {
  const c = x.shape[2];
  return withGradient<tf.Tensor3D>([x], ([input]) => ({
    value: tf.reshape(gatherRows(tf.reshape(input as tf.Tensor, [p.n * p.t, c]), p.rows), [1, p.rows.length, c]),
    gradFunc: (dy) => [tf.reshape(placeRows(tf.reshape(dy, [p.rows.length, c]), p.rows, p.n * p.t), [p.n, p.t, c])],
  }));
}

/** `[1, R, C]` → `[N, T, C]` with zero rows at padding; the gradient reads the real rows back. */
export function unpackTokens(x: tf.Tensor3D, p: TokenPacking): tf.Tensor3D {
  const c = x.shape[2];
  return withGradient<tf.Tensor3D>([x], ([input]) => ({
    value: tf.reshape(placeRows(tf.reshape(input as tf.Tensor, [p.rows.length, c]), p.rows, p.n * p.t), [p.n, p.t, c]),
    gradFunc: (dy) => [tf.reshape(gatherRows(tf.reshape(dy, [p.n * p.t, c]), p.rows), [1, p.rows.length, c])],
  }));
}
