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

// XNNPACK (tfjs-backend-wasm's product) packs its right operand before multiplying and keeps the
// packed copy while that tensor lives: a win when the same weights multiply many batches (eval),
// a loss when they change every step (training), where packing costs more than the product.
// So a weight's first product in a given state runs unpacked here; later ones go to XNNPACK.
const productsOf = new WeakMap<object, number>();

/** Rows up to which the unpacked product beats XNNPACK's packing plus product. */
const MAX_ROWS = 256;

/**
 * `a · b (+ bias)` for `[M, K]`·`[K, N]`. On wasm with SIMD, for few rows (M ≤ 256) and the
 * first product of `b` in its current state, one unpacked SIMD kernel with the bias fused;
 * otherwise tfjs's matMul (and an add).
 */
export function matMulBias(a: tf.Tensor2D, b: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const n = b.shape[1];
  const uses = productsOf.get(b.dataId) ?? 0;
  productsOf.set(b.dataId, uses + 1);
  if (uses === 0 && a.shape[0] <= MAX_ROWS && n % 8 === 0 && activeBackendHasSimd()) {
    register();
    return tf.engine().runKernel(MATMUL, bias === undefined ? { a, b } : { a, b, bias }, {}) as tf.Tensor2D;
  }
  const product = tf.matMul(a, b) as tf.Tensor2D;
  if (bias === undefined) return product;
  const sum = tf.add(product, bias) as tf.Tensor2D;
  product.dispose();
  return sum;
}
