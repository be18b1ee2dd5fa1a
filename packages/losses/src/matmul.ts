import * as tf from '@tensorflow/tfjs-core';
import { transposeMatrix } from './transpose-kernel.js';

/**
 * `tf.matMul` with transposed operands. tfjs-backend-wasm multiplies a transposed operand about
 * 10× slower than a contiguous one (1024×512 by 512×1024: 595 ms against 67 ms with an explicit
 * transpose first, `pnpm bench` machine), so on wasm the transpose is done first. Other
 * backends handle the flags natively (on cpu the extra transpose costs ~25%).
 */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? transposeMatrix(a) : a, transposeB ? transposeMatrix(b) : b);
}
