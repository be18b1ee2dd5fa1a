import * as tf from '@tensorflow/tfjs';
import type { CheckedBatch, TextFeatures } from '../features.js';
import { withGradient } from '../custom-gradient.js';
import { zeroRows } from '../kernels/reductions.js';

/**
 * `tokens` with padded positions set to 0, so no value there (not even NaN) reaches a layer.
 * With `trainable` (tokens from trained text encoder layers) the gradient passes to the real
 * positions' tokens.
 */
export function cleanTokens(text: TextFeatures, batch: CheckedBatch, trainable = false): tf.Tensor3D {
  const [n, l] = text.tokens.shape;
  const keep = tf.tensor2d(batch.mask!, [n, l]);
  if (!trainable) return zeroRows(text.tokens, keep);
  return withGradient<tf.Tensor3D>([text.tokens], ([x]) => ({
    value: zeroRows(x as tf.Tensor3D, keep),
    // The forward pass's mask tensor is gone by then (it lived in the forward's tidy).
    gradFunc: (dy) => [zeroRows(dy as tf.Tensor3D, tf.tensor2d(batch.mask!, [n, l]))],
  }));
}

/** Rows `0 … count−1` of a `[rows, H]` table. */
export function leadingRows(table: tf.Tensor, count: number): tf.Tensor2D {
  return tf.slice(table, [0, 0], [count, table.shape[1] as number]) as tf.Tensor2D;
}

/** Row `index` of a `[rows, H]` table as `[H]`. */
export function tableRow(table: tf.Tensor, index: number): tf.Tensor1D {
  const width = table.shape[1] as number;
  return tf.reshape(tf.slice(table, [index, 0], [1, width]), [width]) as tf.Tensor1D;
}
