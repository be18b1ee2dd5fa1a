import * as tf from '@tensorflow/tfjs-core';

// As PyTorch's F.normalize: divide by max(‖x‖, eps), so a zero row stays finite.
const EPS_SQUARED = 1e-24;

/** Row-wise L2-normalised rows of x, with what the backward pass needs. */
export interface NormalizedRows {
  unit: tf.Tensor2D;
  /** 1 / max(‖x‖, eps), [N, 1] */
  invNorm: tf.Tensor2D;
  /** 1 where ‖x‖ < eps (the divisor is the constant eps), else 0; [N, 1] */
  clamped: tf.Tensor2D;
}

export function l2NormalizeRows(x: tf.Tensor2D): NormalizedRows {
  const sumSquares = tf.sum(tf.square(x), 1, true);
  const invNorm = tf.rsqrt(tf.maximum(sumSquares, EPS_SQUARED)) as tf.Tensor2D;
  const clamped = tf.cast(tf.less(sumSquares, EPS_SQUARED), 'float32') as tf.Tensor2D;
  return { unit: tf.mul(x, invNorm), invNorm, clamped };
}

/**
 * Backward pass of {@link l2NormalizeRows}: `(g − u·(u·g)) / ‖x‖`, the incoming gradient with
 * its component along the unit direction removed; clamped rows get `g / eps`.
 */
export function l2NormalizeRowsBackward(grad: tf.Tensor2D, rows: NormalizedRows): tf.Tensor2D {
  const radial = tf.mul(tf.sub(1, rows.clamped), tf.sum(tf.mul(rows.unit, grad), 1, true));
  return tf.mul(tf.sub(grad, tf.mul(rows.unit, radial)), rows.invNorm);
}
