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
      kernels.transpose(pointer(x!), pointer(out!), rows, cols);
      return [out!];
    },
    ['wasm'],
  );
}

/**
 * `xᵀ` of a matrix. On wasm, small or square-ish matrices go through a blocked kernel (tfjs's
 * generic transpose costs ~0.3 ms even for [16, 768]); long thin ones through tfjs's.
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = x.shape;
  const blocked = Math.min(rows, cols) <= 64 || Math.max(rows, cols) <= 1024;
  if (blocked && activeBackendHasSimd()) {
    register();
    return tf.engine().runKernel(TRANSPOSE, { x }, {}) as tf.Tensor2D;
  }
  return tf.transpose(x);
}
