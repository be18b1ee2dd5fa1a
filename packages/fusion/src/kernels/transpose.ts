import * as tf from '@tensorflow/tfjs';
import { activeBackendHasSimd, registerHostKernel } from './backend-memory.js';

const TRANSPOSE = 'MmauxTranspose2D';
let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(
    TRANSPOSE,
    (memory, { x }) => {
      const [rows, cols] = x!.shape as [number, number];
      const [out] = memory.allocate([[cols, rows]]);
      const { kernels, pointer } = memory.simd!;
      if (rows % 4 === 0 && cols % 16 === 0) kernels.transpose4x4(pointer(x!), pointer(out!), rows, cols);
      else kernels.transpose(pointer(x!), pointer(out!), rows, cols);
      return [out!];
    },
    ['wasm'],
  );
}

/**
 * `xᵀ` of a matrix. On wasm, matrices of 4-row, 16-column multiples through shuffled 4 × 4
 * tiles, other small ones through a blocked scalar loop (tfjs's generic transpose costs ~0.3 ms
 * even for [16, 768]); large ones of other shapes through tfjs's.
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = x.shape;
  // Shuffled 4 × 4 tiles for any size that fits them; the scalar blocked loop for small
  // matrices of other shapes (tfjs's own is faster for large ones of those).
  const suited = (rows % 4 === 0 && cols % 16 === 0) || Math.min(rows, cols) <= 64 || Math.max(rows, cols) <= 1024;
  if (suited && activeBackendHasSimd()) {
    register();
    return tf.engine().runKernel(TRANSPOSE, { x }, {}) as tf.Tensor2D;
  }
  return tf.transpose(x);
}
