import * as tf from '@tensorflow/tfjs-core';

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

/**
 * `log(1 + eˣ)` as `max(x, 0) + log1p(e^−|x|)`: exact to float32 precision for small results
 * too, where `log(eˣ + 1)` keeps only a few digits (a loss of 4.5e-5 would read 4.58e-5).
 */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.add(tf.relu(x), tf.log1p(tf.exp(tf.neg(tf.abs(x)))));
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
 * d/dx of the row losses above: `softmax(x) − q`, q the softmax restricted to the positives
 * (the normalised target distribution).
 */
export function positiveSetNllGradient(x: tf.Tensor2D, positives: tf.Tensor2D, lse: tf.Tensor2D): { p: tf.Tensor2D; q: tf.Tensor2D } {
  const p = tf.exp(tf.sub(x, lse)) as tf.Tensor2D;
  // Masking before exp: a large negative logit must give 0 here, not Infinity · 0.
  const onlyPositives = tf.where(tf.greater(positives, 0), x, tf.fill(x.shape, -Infinity));
  const q = tf.exp(tf.sub(onlyPositives, maskedLogSumExp(x, positives))) as tf.Tensor2D;
  return { p, q };
}
