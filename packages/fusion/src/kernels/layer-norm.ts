import * as tf from '@tensorflow/tfjs';
import { activeBackendHasSimd, registerHostKernel } from './backend-memory.js';

const FORWARD = 'MmauxLayerNorm';
const BACKWARD = 'MmauxLayerNormGrad';
let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(
    FORWARD,
    (memory, { x, gamma, beta }, attrs) => {
      const [rows, w] = x!.shape as [number, number];
      const [y, xhat, inv] = memory.allocate([[rows, w], [rows, w], [rows]]);
      const { kernels, pointer } = memory.simd!;
      kernels.layerNorm(pointer(x!), pointer(gamma!), pointer(beta!), pointer(y!), pointer(xhat!), pointer(inv!), rows, w, attrs.epsilon as number);
      return [y!, xhat!, inv!];
    },
    ['wasm'],
  );
  registerHostKernel(
    BACKWARD,
    (memory, { dy, xhat, inv, gamma }) => {
      const [rows, w] = dy!.shape as [number, number];
      const [dx, dgamma, dbeta] = memory.allocate([[rows, w], [w], [w]]);
      memory.view(dgamma!).fill(0);
      memory.view(dbeta!).fill(0);
      const { kernels, pointer } = memory.simd!;
      kernels.layerNormGrad(pointer(dy!), pointer(xhat!), pointer(inv!), pointer(gamma!), pointer(dx!), pointer(dgamma!), pointer(dbeta!), rows, w);
      return [dx!, dgamma!, dbeta!];
    },
    ['wasm'],
  );
}

/** Whether the fused layer norm runs here for rows of `width`. */
export function layerNormKernelsAvailable(width: number): boolean {
  return width % 4 === 0 && activeBackendHasSimd();
}

/** `{ y, xhat, inv }` of rows `x` `[R, w]`: one pass per row. Only where {@link layerNormKernelsAvailable}. */
export function layerNormForward(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): { y: tf.Tensor2D; xhat: tf.Tensor2D; inv: tf.Tensor1D } {
  register();
  const [y, xhat, inv] = tf.engine().runKernel(FORWARD, { x, gamma, beta }, { epsilon }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
  return { y, xhat, inv };
}

/** `{ dx, dgamma, dbeta }` of a layer norm from its saved `xhat` and `inv`. Only where {@link layerNormKernelsAvailable}. */
export function layerNormBackward(dy: tf.Tensor2D, xhat: tf.Tensor2D, inv: tf.Tensor1D, gamma: tf.Tensor1D): { dx: tf.Tensor2D; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D } {
  register();
  const [dx, dgamma, dbeta] = tf.engine().runKernel(BACKWARD, { dy, xhat, inv, gamma }, {}) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
  return { dx, dgamma, dbeta };
}
