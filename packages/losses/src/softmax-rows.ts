import * as tf from '@tensorflow/tfjs-core';
import { hostKernelsAvailable } from './host-kernel.js';
import { rowNllKernel } from './row-nll-kernel.js';

/**
 * Row-wise log Σ exp over the entries where `mask` is 1, [N, 1]; −Infinity for a row with an
 * empty mask (instead of the NaN a plain logsumexp gives for −∞ − (−∞)).
 */
export function maskedLogSumExp(x: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor2D {
  const masked = tf.where(tf.greater(mask, 0), x, tf.fill(x.shape, -Infinity));
  const max = tf.max(masked, 1, true);
  const shift = tf.where(tf.isFinite(max), max, tf.zerosLike(max));
  return tf.add(shift, tf.log(tf.sum(tf.exp(tf.sub(masked, shift)), 1, true))) as tf.Tensor2D;
}

// Backends disagree on precision here: tfjs-backend-wasm computes log1p as log(1 + x), which is
// 0 for x < 6e-8 in float32. These two use the classic exact-rounding tricks (Goldberg's for
// log1p, Kahan's for expm1), correct on any backend.

/** log(1 + u) for u > −1, accurate for tiny u. */
function log1p(u: tf.Tensor): tf.Tensor {
  const w = tf.add(1, u);
  const wMinusOne = tf.sub(w, 1);
  return tf.where(tf.equal(wMinusOne, 0), u, tf.div(tf.mul(tf.log(w), u), wMinusOne));
}

/** eˣ − 1, accurate for tiny x. */
function expm1(x: tf.Tensor): tf.Tensor {
  const u = tf.exp(x);
  const uMinusOne = tf.sub(u, 1);
  const general = tf.div(tf.mul(uMinusOne, x), tf.log(u));
  return tf.where(tf.equal(uMinusOne, 0), x, tf.where(tf.equal(uMinusOne, -1), uMinusOne, general));
}

/**
 * `log(1 + eˣ)` as `max(x, 0) + log1p(e^−|x|)`: exact to float32 precision for small results
 * too, where `log(eˣ + 1)` keeps only a few digits (a loss of 4.5e-5 would read 4.58e-5).
 */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), log1p(tf.exp(tf.neg(tf.abs(x)))));
}

/**
 * Per-row `−log Σ_{j∈P} softmax(x)_j` for a 0/1 `positives` mask with at least one 1 per row,
 * computed as `softplus(lse_negatives − lse_positives)`: no cancellation between two large
 * logsumexps. Also returns the full-row logsumexp the gradient needs.
 */
export function positiveSetNll(x: tf.Tensor2D, positives: tf.Tensor2D): { loss: tf.Tensor2D; lse: tf.Tensor2D } {
  const posLse = maskedLogSumExp(x, positives);
  const negLse = maskedLogSumExp(x, tf.sub(1, positives) as tf.Tensor2D);
  const loss = softplus(tf.sub(negLse, posLse)) as tf.Tensor2D;
  return { loss, lse: tf.add(posLse, loss) as tf.Tensor2D };
}

/**
 * d/dx of the row losses above, `softmax(x) − q` with q the softmax restricted to the positives
 * (the normalised target). On a positive, `p − q = q·(e^−loss − 1)`, evaluated with expm1 so a
 * well-fit row (loss 1e-8) still gets its small negative gradient instead of 1 − 1 = 0.
 * Returns `p − q` and `q`.
 */
export function positiveSetNllGradient(
  x: tf.Tensor2D,
  positives: tf.Tensor2D,
  lse: tf.Tensor2D,
  loss: tf.Tensor2D,
): { pMinusQ: tf.Tensor2D; q: tf.Tensor2D } {
  const isPositive = tf.greater(positives, 0);
  // Masking before exp: a large negative logit must give 0 here, not Infinity · 0.
  const onlyPositives = tf.where(isPositive, x, tf.fill(x.shape, -Infinity));
  const q = tf.exp(tf.sub(onlyPositives, maskedLogSumExp(x, positives))) as tf.Tensor2D;
  const p = tf.exp(tf.sub(x, lse));
  const pMinusQ = tf.where(isPositive, tf.mul(q, expm1(tf.neg(loss))), p) as tf.Tensor2D;
  return { pMinusQ, q };
}

/** A row loss's values and what its gradient needs (to pass to `save`). */
export interface RowNllForward {
  loss: tf.Tensor2D;
  lse: tf.Tensor2D;
  /** Tensors {@link rowNllGradient} takes back, in this order. */
  saved: tf.Tensor[];
}

/**
 * {@link positiveSetNll} for the losses: one kernel on wasm and cpu (with its gradient computed
 * in the same pass), tfjs ops elsewhere.
 */
export function rowNllForward(x: tf.Tensor2D, positives: tf.Tensor2D): RowNllForward {
  if (hostKernelsAvailable()) {
    const r = rowNllKernel(x, positives.dtype === 'float32' ? positives : (tf.cast(positives, 'float32') as tf.Tensor2D));
    return { loss: r.loss, lse: r.lse, saved: [r.pMinusQ, r.q] };
  }
  const { loss, lse } = positiveSetNll(x, positives);
  return { loss, lse, saved: [x, positives, lse, loss] };
}

/** `p − q` and `q` of a row loss from what {@link rowNllForward} saved. */
export function rowNllGradient(saved: tf.Tensor[]): { pMinusQ: tf.Tensor2D; q: tf.Tensor2D } {
  if (saved.length === 2) return { pMinusQ: saved[0] as tf.Tensor2D, q: saved[1] as tf.Tensor2D };
  const [x, positives, lse, loss] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return positiveSetNllGradient(x, positives, lse, loss);
}
