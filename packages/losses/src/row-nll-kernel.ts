import * as tf from '@tensorflow/tfjs-core';
import { type HostArrays, registerHostKernel } from './host-kernel.js';

/** What {@link rowNllKernel} gives per row of logits. */
export interface RowNll {
  /** `[N, 1]` `−log Σ_{j∈P} softmax(x)_j`. */
  loss: tf.Tensor2D;
  /** `[N, 1]` logsumexp of the row. */
  lse: tf.Tensor2D;
  /** `[N, M]` d loss/dx = softmax(x) − q. */
  pMinusQ: tf.Tensor2D;
  /** `[N, M]` the softmax restricted to the positives (the normalised target). */
  q: tf.Tensor2D;
}

const ROW_NLL = 'MmauxRowNll';

/**
 * The row loss and its gradient in one float64 pass per row. With `m` the row max, `m₊` the
 * positives' max, `d = log Σ₋ e^{x−m} + m − log Σ₊ e^{x−m₊} − m₊` (the negatives' over the
 * positives' logsumexp), the loss is `softplus(d)`, exact for tiny losses; on a positive
 * `p − q = −q·σ(d)` (no cancellation of p ≈ q), on a negative `p = e^{x−m}/Σ e^{x−m}`.
 */
function rowNll(arrays: HostArrays, { x, positives }: Record<string, tf.TensorInfo>): tf.TensorInfo[] {
  const [n, m] = x!.shape as [number, number];
  const outputs = arrays.allocate([[n, 1], [n, 1], [n, m], [n, m]]);
  const [xs, ps] = [arrays.view(x!), arrays.view(positives!)];
  const [loss, lse, pMinusQ, q] = outputs.map((o) => arrays.view(o)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  for (let i = 0; i < n; i++) {
    const row = i * m;
    let max = -Infinity;
    let maxPositive = -Infinity;
    for (let j = 0; j < m; j++) {
      const v = xs[row + j]!;
      if (v > max) max = v;
      if (ps[row + j]! > 0 && v > maxPositive) maxPositive = v;
    }
    let total = 0;
    let negatives = 0;
    let positivesSum = 0;
    for (let j = 0; j < m; j++) {
      const v = xs[row + j]!;
      const e = Math.exp(v - max);
      total += e;
      if (ps[row + j]! > 0) positivesSum += Math.exp(v - maxPositive);
      else negatives += e;
    }
    const d = Math.log(negatives) + max - Math.log(positivesSum) - maxPositive;
    loss[i] = d > 0 ? d + Math.log1p(Math.exp(-d)) : Math.log1p(Math.exp(d));
    lse[i] = max + Math.log(total);
    const sigma = d > 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
    for (let j = 0; j < m; j++) {
      const v = xs[row + j]!;
      if (ps[row + j]! > 0 && positivesSum > 0) {
        const qj = Math.exp(v - maxPositive) / positivesSum;
        q[row + j] = qj;
        pMinusQ[row + j] = -qj * sigma;
      } else {
        q[row + j] = 0;
        pMinusQ[row + j] = Math.exp(v - max) / total;
      }
    }
  }
  return outputs;
}

let registered = false;

/**
 * {@link RowNll} of logits `x` `[N, M]` against a 0/1 `positives` mask (at least one 1 per row),
 * as one kernel on the wasm and cpu backends. Not differentiable by itself: the losses' custom
 * gradients use `pMinusQ` and `q`.
 */
export function rowNllKernel(x: tf.Tensor2D, positives: tf.Tensor2D): RowNll {
  if (!registered) {
    registerHostKernel(ROW_NLL, rowNll);
    registered = true;
  }
  const [loss, lse, pMinusQ, q] = tf.engine().runKernel(ROW_NLL, { x, positives }, {}) as tf.Tensor2D[];
  return { loss: loss!, lse: lse!, pMinusQ: pMinusQ!, q: q! };
}
