import * as tf from '@tensorflow/tfjs';
import { activeBackendHasSimd, registerHostKernel } from './backend-memory.js';

// Each post's vector against its own block of rows of V `[nv, p, d]`; post n (of nr, a multiple
// of nv) reads block n mod nv, so the matched and the ITM pass (2N posts) share N image blocks.
// On wasm with SIMD one kernel reads V once per post; elsewhere a batched matMul on a gathered V.

const ROW_DOTS = 'MmauxRowDots';
const WEIGHTED_ROWS = 'MmauxWeightedRows';
let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(
    ROW_DOTS,
    (memory, { r, v }, attrs) => {
      const [nv, p, d] = v!.shape as [number, number, number];
      const nr = r!.shape[0]!;
      const [out] = memory.allocate([[nr, p]]);
      const { kernels, pointer } = memory.simd!;
      kernels.rowDots(pointer(r!), pointer(v!), pointer(out!), nr, nv, p, d, attrs.scale as number);
      return [out!];
    },
    ['wasm'],
  );
  registerHostKernel(
    WEIGHTED_ROWS,
    (memory, { w, v }) => {
      const [nv, p, d] = v!.shape as [number, number, number];
      const nr = w!.shape[0]!;
      const [out] = memory.allocate([[nr, d]]);
      const { kernels, pointer } = memory.simd!;
      kernels.weightedRows(pointer(w!), pointer(v!), pointer(out!), nr, nv, p, d);
      return [out!];
    },
    ['wasm'],
  );
}

function useSimd(d: number): boolean {
  return d % 16 === 0 && activeBackendHasSimd();
}

/** V with block n mod nv for each of nr posts: `[nr, p, d]` (V itself when nr = nv). */
function blocksFor(v: tf.Tensor3D, nr: number): tf.Tensor3D {
  const nv = v.shape[0];
  if (nr === nv) return v;
  return tf.gather(v, tf.tensor1d(Int32Array.from({ length: nr }, (_, n) => n % nv), 'int32')) as tf.Tensor3D;
}

/**
 * `out[n, q] = scale · r[n] · V[n mod nv, q]`: `[nr, d]`, `[nv, p, d]` → `[nr, p]`. Not
 * differentiable by itself (the callers' custom gradients use it in both directions).
 */
export function rowDots(r: tf.Tensor2D, v: tf.Tensor3D, scale = 1): tf.Tensor2D {
  if (useSimd(v.shape[2])) {
    register();
    return tf.engine().runKernel(ROW_DOTS, { r, v }, { scale }) as tf.Tensor2D;
  }
  return tf.tidy(() => {
    const dots = tf.reshape(tf.matMul(tf.expandDims(r, 1), blocksFor(v, r.shape[0]), false, true), [r.shape[0], v.shape[1]]);
    return (scale === 1 ? dots : tf.mul(dots, scale)) as tf.Tensor2D;
  });
}

/** `out[n] = Σ_q w[n, q] · V[n mod nv, q]`: `[nr, p]`, `[nv, p, d]` → `[nr, d]`. Not differentiable by itself. */
export function weightedRows(w: tf.Tensor2D, v: tf.Tensor3D): tf.Tensor2D {
  if (useSimd(v.shape[2])) {
    register();
    return tf.engine().runKernel(WEIGHTED_ROWS, { w, v }, {}) as tf.Tensor2D;
  }
  return tf.tidy(() => tf.reshape(tf.matMul(tf.expandDims(w, 1), blocksFor(v, w.shape[0])), [w.shape[0], v.shape[2]]) as tf.Tensor2D);
}
