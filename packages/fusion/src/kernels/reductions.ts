import * as tf from '@tensorflow/tfjs';
import { activeBackendHasSimd, registerHostKernel } from './backend-memory.js';

const COLUMN_SUMS = 'MmauxColumnSums';
const ZERO_ROWS = 'MmauxZeroRows';
let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(
    COLUMN_SUMS,
    (memory, { x }) => {
      const [m, n] = x!.shape as [number, number];
      const [out] = memory.allocate([[n]]);
      const { kernels, pointer } = memory.simd!;
      kernels.columnSums(pointer(x!), pointer(out!), m, n);
      return [out!];
    },
    ['wasm'],
  );
  registerHostKernel(ZERO_ROWS, (memory, { x, keep }) => {
    const [n, l, d] = x!.shape as [number, number, number];
    const [out] = memory.allocate([[n, l, d]]);
    const flags = memory.view(keep!);
    const values = memory.view(x!);
    const target = memory.view(out!);
    target.set(values);
    for (let r = 0; r < n * l; r++) if (flags[r] !== 1) target.fill(0, r * d, (r + 1) * d);
    return [out!];
  });
}

/**
 * `Σ_i x[i, :]` of a `[M, N]` matrix as `[N]` (a bias's gradient): one SIMD pass on wasm when
 * N % 16 = 0, tfjs's sum elsewhere (which on wasm transposes first).
 */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  if (x.shape[1] % 16 === 0 && activeBackendHasSimd()) {
    register();
    return tf.engine().runKernel(COLUMN_SUMS, { x }, {}) as tf.Tensor1D;
  }
  return tf.sum(x, 0);
}

/**
 * `x` `[N, L, D]` with the rows whose `keep` `[N, L]` flag is not 1 set to 0 — whatever they
 * held, NaN included. One copy on wasm and cpu; `tf.where` elsewhere.
 */
export function zeroRows(x: tf.Tensor3D, keep: tf.Tensor2D): tf.Tensor3D {
  const name = tf.getBackend();
  if ((name === 'wasm' || name === 'cpu') && x.dtype === 'float32' && keep.dtype === 'float32') {
    register();
    return tf.engine().runKernel(ZERO_ROWS, { x, keep }, {}) as tf.Tensor3D;
  }
  const [n, l, d] = x.shape;
  return tf.tidy(() => tf.where(tf.greater(tf.broadcastTo(tf.reshape(keep, [n, l, 1]), [n, l, d]), 0.5), x, tf.zerosLike(x)) as tf.Tensor3D);
}
