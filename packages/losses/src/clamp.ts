import * as tf from '@tensorflow/tfjs-core';
import { withGradient } from './custom-gradient.js';

/**
 * Clamps a scalar to [min, max] in the forward pass. The gradient is 1 inside the closed range
 * and 0 outside (as `clipByValue`), carried here so it needs no registered gradient.
 */
export function clampScalar(x: tf.Scalar, min: number, max: number): tf.Scalar {
  if (min === -Infinity && max === Infinity) return x;
  return withGradient<tf.Scalar>([x], ([value], save) => {
    save([value as tf.Tensor]);
    return {
      value: tf.clipByValue(value as tf.Tensor, min, max),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const v = saved[0] as tf.Tensor;
        const inside = tf.logicalAnd(tf.greaterEqual(v, min), tf.lessEqual(v, max));
        return [tf.mul(dy, tf.cast(inside, 'float32'))];
      },
    };
  });
}
