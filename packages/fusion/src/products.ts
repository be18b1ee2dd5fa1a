import * as tf from '@tensorflow/tfjs';
import { transpose2d } from './kernels/transpose.js';

// Matrix products with a transposed operand. tfjs-backend-wasm runs a plain [M, K]·[K, N]
// product through XNNPACK (packing the right operand first: ~5 ns per element, cached while that
// tensor lives) and anything transposed or batched through a scalar loop ~10× slower. So on wasm
// the transposes are explicit, and the operand order is chosen so that the smaller matrices are
// the ones transposed and packed; a weight on the left is read in place. Elsewhere tfjs's own
// transposed products are used.

const PACK = 5; // relative cost per element of packing a right operand
const TRANSPOSE = 2; // … of an explicit transpose

const onWasm = () => tf.getBackend() === 'wasm';

/** `a · bᵀ`: `[M, K]`, `[N, K]` → `[M, N]`. */
export function timesTransposed(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (!onWasm()) return tf.matMul(a, b, false, true);
  const [m, k] = a.shape;
  const n = b.shape[0];
  // (b · aᵀ)ᵀ transposes a and the result and packs aᵀ; a · bᵀ transposes and packs b.
  const viaLeft = TRANSPOSE * (m * k + m * n) + PACK * m * k;
  const viaRight = (TRANSPOSE + PACK) * n * k;
  return tf.tidy(() => (viaLeft < viaRight ? transpose2d(tf.matMul(b, transpose2d(a))) : tf.matMul(a, transpose2d(b))));
}

/** `aᵀ · b`: `[M, K]`, `[M, N]` → `[K, N]`. */
export function transposedTimes(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  if (!onWasm()) return tf.matMul(a, b, true, false);
  const [m, k] = a.shape;
  const n = b.shape[1];
  // aᵀ · b transposes a and packs b; (bᵀ · a)ᵀ transposes b and the result and packs a.
  const direct = TRANSPOSE * m * k + PACK * m * n;
  const swapped = TRANSPOSE * (m * n + k * n) + PACK * m * k;
  return tf.tidy(() => (direct <= swapped ? tf.matMul(transpose2d(a), b) : transpose2d(tf.matMul(transpose2d(b), a))));
}
