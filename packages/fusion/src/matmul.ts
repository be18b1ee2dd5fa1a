import * as tf from '@tensorflow/tfjs';
import { withGradient } from './custom-gradient.js';

/** Swaps the last two axes of a rank-2 or rank-3 tensor. */
function swapLast<T extends tf.Tensor>(x: T): T {
  return (x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [0, 2, 1])) as T;
}

/** `a · bᵀ` (or `aᵀ · b`) without a transposed-operand kernel on wasm. */
function productWithTranspose<T extends tf.Tensor>(a: T, b: T, transposeA: boolean, transposeB: boolean): T {
  if (tf.getBackend() !== 'wasm') {
    return tf.matMul(a as unknown as tf.Tensor3D, b as unknown as tf.Tensor3D, transposeA, transposeB) as unknown as T;
  }
  const left = transposeA ? swapLast(a) : a;
  const right = transposeB ? swapLast(b) : b;
  return tf.matMul(left as unknown as tf.Tensor3D, right as unknown as tf.Tensor3D) as unknown as T;
}

/**
 * `a · b` for rank-2 (`[M, K]·[K, N]`) or batched rank-3 (`[B, M, K]·[B, K, N]`) tensors, with a
 * gradient that never asks the backend for a transposed operand on wasm: tfjs-backend-wasm
 * multiplies a transposed operand about 10× slower, and tfjs's own matMul gradient uses them
 * (`dy·bᵀ`, `aᵀ·dy`). The transposes are done explicitly there instead.
 */
export function matMul<T extends tf.Tensor2D | tf.Tensor3D>(a: T, b: T): T {
  return withGradient<T>([a, b], ([x, y], save) => {
    save([x as tf.Tensor, y as tf.Tensor]);
    return {
      value: tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D),
      gradFunc: (dy, [sx, sy]) => [
        productWithTranspose(dy, sy as tf.Tensor, false, true),
        productWithTranspose(sx as tf.Tensor, dy, true, false),
      ],
    };
  });
}
