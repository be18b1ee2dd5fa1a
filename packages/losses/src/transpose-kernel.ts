import * as tf from '@tensorflow/tfjs-core';
import { hostKernelsAvailable, registerHostKernel } from './host-kernel.js';

const TRANSPOSE = 'MmauxLossTranspose';
const BLOCK = 16;
let registered = false;

/**
 * `xᵀ` of a matrix: on wasm and cpu one blocked copy in JavaScript (tfjs-backend-wasm's
 * generic transpose of a [256, 512] matrix costs ~4× as much), elsewhere `tf.transpose`.
 */
export function transposeMatrix(x: tf.Tensor2D): tf.Tensor2D {
  if (!hostKernelsAvailable() || x.dtype !== 'float32') return tf.transpose(x);
  if (!registered) {
    registered = true;
    registerHostKernel(TRANSPOSE, (arrays, { x: input }) => {
      const [rows, cols] = input!.shape as [number, number];
      const [out] = arrays.allocate([[cols, rows]]);
      const src = arrays.view(input!);
      const dst = arrays.view(out!);
      for (let i0 = 0; i0 < rows; i0 += BLOCK) {
        const i1 = Math.min(rows, i0 + BLOCK);
        for (let j0 = 0; j0 < cols; j0 += BLOCK) {
          const j1 = Math.min(cols, j0 + BLOCK);
          for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) dst[j * rows + i] = src[i * cols + j]!;
        }
      }
      return [out!];
    });
  }
  const [out] = tf.engine().runKernel(TRANSPOSE, { x }, {}) as tf.Tensor2D[];
  return out!;
}
