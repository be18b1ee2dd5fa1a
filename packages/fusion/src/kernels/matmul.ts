import * as tf from '@tensorflow/tfjs';
import { activeBackendHasSimd, registerHostKernel } from './backend-memory.js';

const MATMUL = 'MmauxMatMul';
let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(
    MATMUL,
    (memory, { a, b, bias }) => {
      const [m, k] = a!.shape as [number, number];
      const n = b!.shape[1]!;
      const [out] = memory.allocate([[m, n]]);
      const { kernels, pointer } = memory.simd!;
      kernels.matmul(pointer(a!), pointer(b!), bias === undefined ? 0 : pointer(bias), pointer(out!), m, k, n);
      return [out!];
    },
    ['wasm'],
  );
}

// XNNPACK (tfjs-backend-wasm's product) packs its right operand before multiplying: ~5 ns per
// element, more than the product itself for the few rows of a batch of posts whose weights
// change every step. Below MAX_ROWS rows the product runs unpacked here instead. The choice
// depends on shapes only, so the same inputs always take the same kernel (and give the same bits).
const MAX_ROWS = 256;

/**
 * `a · b (+ bias)` for `[M, K]`·`[K, N]`. On wasm with SIMD and M ≤ 256, N % 8 = 0, one
 * unpacked SIMD kernel with the bias fused; otherwise tfjs's matMul (and an add).
 */
export function matMulBias(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const n = b.shape[1];
  if (a.shape[0] <= MAX_ROWS && n % 8 === 0 && activeBackendHasSimd()) {
    register();
    return tf.engine().runKernel(MATMUL, bias === undefined ? { a, b } : { a, b, bias }, {}) as tf.Tensor2D;
  }
  const product = tf.matMul(a, b) as tf.Tensor2D;
  if (bias === undefined) return product;
  const sum = tf.add(product, bias) as tf.Tensor2D;
  product.dispose();
  return sum;
}
