import * as tf from '@tensorflow/tfjs';
import { withGradient } from './custom-gradient.js';
import { matMulBias } from './kernels/matmul.js';
import { gatherRows, scatterAddRows } from './kernels/gather-rows.js';
import { layerNormBackward, layerNormForward, layerNormKernelsAvailable } from './kernels/layer-norm.js';
import { columnSums } from './kernels/reductions.js';
import { timesTransposed, transposedTimes } from './products.js';
import type { Rng } from '@mmaux/losses';

/** What a forward pass needs besides its inputs: train/eval mode and the dropout generator. */
export interface ForwardContext {
  training: boolean;
  rng: Rng;
}

/**
 * `x · kernel + bias` over the last axis of a tensor of any rank ≥ 2, as one differentiable op
 * with the analytic gradient `dx = dy·Wᵀ`, `dW = xᵀ·dy`, `db = Σ dy` (products oriented for
 * wasm, see products.ts). A kernel that is a variable is read back from the variable in the
 * backward pass instead of being saved: saving copies it on wasm, and the copy would have to be
 * packed for XNNPACK again.
 *
 * With `constantInput`, `x` is treated as a constant: no gradient flows into it and `dy·Wᵀ`
 * is never computed. The fusion layers use this on the encoder features, which are frozen
 * inputs, saving a third of the backward cost of the first projections.
 */
export function dense(
  x: tf.Tensor,
  kernel: tf.Variable | tf.Tensor,
  bias?: tf.Variable | tf.Tensor,
  constantInput = false,
): tf.Tensor {
  const inDim = x.shape[x.rank - 1] as number;
  const outDim = kernel.shape[1] as number;
  const outShape = [...x.shape.slice(0, -1), outDim];
  const params: tf.Tensor[] = bias === undefined ? [kernel] : [kernel, bias];
  const kernelIsVariable = kernel instanceof tf.Variable;
  // Reshapes happen inside the op: a recorded reshape would save (on wasm: copy) its input.
  return withGradient<tf.Tensor>(constantInput ? params : [x, ...params], (inputs, save) => {
    const input = constantInput ? x : (inputs[0] as tf.Tensor);
    const [w, b] = (constantInput ? inputs : inputs.slice(1)) as [tf.Tensor2D, tf.Tensor1D | undefined];
    const flat = tf.reshape(input, [-1, inDim]) as tf.Tensor2D;
    save(kernelIsVariable ? [flat] : [flat, w]);
    return {
      value: tf.reshape(matMulBias(flat, w, b), outShape),
      gradFunc: (dy, saved) => {
        const sx = saved[0] as tf.Tensor2D;
        const sw = (kernelIsVariable ? kernel : saved[1]) as tf.Tensor2D;
        const g = tf.reshape(dy, [-1, outDim]) as tf.Tensor2D;
        const grads: tf.Tensor[] = [];
        if (!constantInput) grads.push(tf.reshape(timesTransposed(g, sw), x.shape));
        grads.push(transposedTimes(sx, g));
        if (b !== undefined) grads.push(columnSums(g));
        return grads;
      },
    };
  });
}

/** `a + b` (same shapes) as an op that saves nothing: tfjs's Add saves both inputs for their shapes, which wasm copies. */
export function residualAdd<T extends tf.Tensor>(a: T, b: tf.Tensor): T {
  return withGradient<T>([a, b], ([x, y]) => ({
    value: tf.add(x as tf.Tensor, y as tf.Tensor),
    gradFunc: (dy) => [dy, dy],
  }));
}

/**
 * Layer normalisation over the last axis, `γ · (x − μ)/√(σ² + ε) + β`, with its analytic gradient
 * (one fused backward instead of tfjs's chain of reductions); on wasm with SIMD one kernel each way.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const width = x.shape[x.rank - 1] as number;
  const shape = x.shape;
  if (layerNormKernelsAvailable(width)) {
    // One pass per row each way (wasm SIMD); gamma is read back from its tensor, not saved.
    return withGradient<tf.Tensor>([x, gamma, beta], ([input, g, b], save) => {
      const { y, xhat, inv } = layerNormForward(tf.reshape(input as tf.Tensor, [-1, width]) as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, epsilon);
      save([xhat, inv, g as tf.Tensor]);
      return {
        value: tf.reshape(y, shape),
        gradFunc: (dy, [sx, si, sg]) => {
          const r = layerNormBackward(tf.reshape(dy, [-1, width]) as tf.Tensor2D, sx as tf.Tensor2D, si as tf.Tensor1D, sg as tf.Tensor1D);
          return [tf.reshape(r.dx, shape), r.dgamma, r.dbeta];
        },
      };
    });
  }
  return withGradient<tf.Tensor>([x, gamma, beta], ([input, g, b], save) => {
    const flat = tf.reshape(input as tf.Tensor, [-1, width]);
    const mean = tf.mean(flat, 1, true);
    const centred = tf.sub(flat, mean);
    const variance = tf.mean(tf.square(centred), 1, true);
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(centred, inv);
    save([xhat, inv, g as tf.Tensor]);
    return {
      value: tf.reshape(tf.add(tf.mul(xhat, g as tf.Tensor), b as tf.Tensor), shape),
      gradFunc: (dy, [sx, si, sg]) => {
        const d = tf.reshape(dy, [-1, width]);
        const gx = tf.mul(d, sg as tf.Tensor);
        const meanG = tf.mean(gx, 1, true);
        const meanGx = tf.mean(tf.mul(gx, sx as tf.Tensor), 1, true);
        const dx = tf.mul(tf.sub(tf.sub(gx, meanG), tf.mul(sx as tf.Tensor, meanGx)), si as tf.Tensor);
        return [tf.reshape(dx, shape), columnSums(tf.mul(d, sx as tf.Tensor) as tf.Tensor2D), columnSums(d as tf.Tensor2D)];
      },
    };
  });
}

const GELU_C = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

/**
 * GELU, tanh approximation (`0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`, as GPT-2 and BERT's
 * `gelu_new`), with an analytic gradient. Computed through the identity
 * `0.5·(1 + tanh(u)) = σ(2u)`: on wasm, sigmoid is vectorised while tanh and pow run ~20×
 * slower. The exact, erf-based GELU is avoided: its gradient needs kernels the wasm backend lacks.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return withGradient<tf.Tensor>([x], ([input], save) => {
    save([input as tf.Tensor]);
    return {
      value: geluValue(input as tf.Tensor),
      gradFunc: (dy, [sv]) => [tf.mul(dy, geluSlope(sv as tf.Tensor))],
    };
  });
}

/** `σ(2u)` with `u = c·x·(1 + a·x²)`, so that gelu(x) = x·σ(2u). */
function geluGate(x: tf.Tensor): tf.Tensor {
  return tf.sigmoid(tf.mul(tf.mul(x, tf.add(tf.mul(tf.mul(x, x), GELU_A), 1)), 2 * GELU_C));
}

/** gelu(x) = x·σ(2u). */
export function geluValue(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, geluGate(x));
}

/** d gelu/dx = σ + x·σ(1 − σ)·2c(1 + 3a·x²). */
export function geluSlope(x: tf.Tensor): tf.Tensor {
  const s = geluGate(x);
  const du = tf.mul(tf.add(tf.mul(tf.mul(x, x), 3 * GELU_A), 1), 2 * GELU_C);
  return tf.add(s, tf.mul(tf.mul(x, tf.mul(s, tf.sub(1, s))), du));
}

/**
 * Inverted dropout: in training, each entry is zeroed with probability `rate` and the rest are
 * scaled by `1/(1 − rate)`, the mask drawn from `ctx.rng` (so a seed fixes it); otherwise `x`.
 */
export function dropout(x: tf.Tensor, rate: number, ctx: ForwardContext): tf.Tensor {
  if (!ctx.training || rate <= 0) return x;
  const keep = 1 / (1 - rate);
  const values = new Float32Array(x.size);
  for (let i = 0; i < values.length; i++) values[i] = ctx.rng() < rate ? 0 : keep;
  const mask = tf.tensor(values, x.shape, 'float32');
  // One op that saves only the mask (tf.mul would save, and on wasm copy, x as well).
  return withGradient<tf.Tensor>([x], ([input], save) => {
    save([mask]);
    return { value: tf.mul(input as tf.Tensor, mask), gradFunc: (dy, [m]) => [tf.mul(dy, m as tf.Tensor)] };
  });
}

/**
 * Rows `indices` of `x` (any rank ≥ 1, rows along axis 0), differentiable: the forward pass is
 * an exact copy of the rows (a NaN in one row cannot reach another), the gradient adds each
 * `dy` row back into its source row (copies on wasm and cpu; elsewhere a `tf.gather` and a
 * one-hot product, since tf.gather's own gradient needs a kernel wasm lacks).
 */
export function selectRows<T extends tf.Tensor>(x: T, indices: ArrayLike<number>): T {
  const n = x.shape[0] as number;
  return withGradient<T>([x], ([input]) => ({
    value: gatherRows(input as tf.Tensor, indices),
    gradFunc: (dy) => [scatterAddRows(dy, indices, n)],
  }));
}

/**
 * `x[:, position, :]` of a `[N, S, D]` tensor as `[N, D]`: a reshape when S = 1, else a row
 * gather of the `[N·S, D]` view (tfjs-backend-wasm's slice costs as much as copying all of x).
 * Differentiable: the gradient pads `dy` back into position.
 */
export function tokenAt(x: tf.Tensor3D, position: number): tf.Tensor2D {
  const [n, s, d] = x.shape;
  if (s === 1) return tf.reshape(x, [n, d]);
  return withGradient<tf.Tensor2D>([x], ([input]) => {
    const rows = Int32Array.from({ length: n }, (_, i) => i * s + position);
    return {
      value: gatherRows(tf.reshape(input as tf.Tensor, [n * s, d]), rows),
      gradFunc: (dy) => [tf.pad(tf.reshape(dy, [n, 1, d]), [[0, 0], [position, s - 1 - position], [0, 0]])],
    };
  });
}
