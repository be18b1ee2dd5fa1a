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
const COLUMN_NLL = 'MmauxColumnNll';

/**
 * The row loss and its gradient in one float64 pass per row (or per column, with `columns`: the
 * image→text direction of ITC without transposing). With `m` the line's max, `m₊` the
 * positives' max and `d = log Σ₋ e^{x−m} + m − log Σ₊ e^{x−m₊} − m₊` (the negatives' over the
 * positives' logsumexp), the loss is `softplus(d)`, exact for tiny losses; on a positive
 * `p − q = −q·σ(d)` (no cancellation of p ≈ q), on a negative `p = e^{x−m}/Σ e^{x−m}`.
 */
function lineNll(arrays: HostArrays, { x, positives }: Record<string, tf.TensorInfo>, columns: boolean): tf.TensorInfo[] {
  const [rows, cols] = x!.shape as [number, number];
  const [lines, length] = columns ? [cols, rows] : [rows, cols];
  // Entry k of line a sits at a·cols + k (rows) or k·cols + a (columns).
  const [lineStep, entryStep] = columns ? [1, cols] : [cols, 1];
  const outputs = arrays.allocate([[lines, 1], [lines, 1], [rows, cols], [rows, cols]]);
  const [xs, ps] = [arrays.view(x!), arrays.view(positives!)];
  const [loss, lse, pMinusQ, q] = outputs.map((o) => arrays.view(o)) as [Float32Array, Float32Array, Float32Array, Float32Array];
  for (let a = 0; a < lines; a++) {
    const first = a * lineStep;
    let max = -Infinity;
    let maxPositive = -Infinity;
    for (let k = 0, at = first; k < length; k++, at += entryStep) {
      const v = xs[at]!;
      if (v > max) max = v;
      if (ps[at]! > 0 && v > maxPositive) maxPositive = v;
    }
    let total = 0;
    let negatives = 0;
    let positivesSum = 0;
    for (let k = 0, at = first; k < length; k++, at += entryStep) {
      const e = Math.exp(xs[at]! - max);
      pMinusQ[at] = e; // kept for the gradient pass below
      total += e;
      if (ps[at]! > 0) positivesSum += Math.exp(xs[at]! - maxPositive);
      else negatives += e;
    }
    const d = Math.log(negatives) + max - Math.log(positivesSum) - maxPositive;
    loss[a] = d > 0 ? d + Math.log1p(Math.exp(-d)) : Math.log1p(Math.exp(d));
    lse[a] = max + Math.log(total);
    const sigma = d > 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
    for (let k = 0, at = first; k < length; k++, at += entryStep) {
      if (ps[at]! > 0 && positivesSum > 0) {
        const qk = Math.exp(xs[at]! - maxPositive) / positivesSum;
        q[at] = qk;
        pMinusQ[at] = -qk * sigma;
      } else {
        q[at] = 0;
        pMinusQ[at] = pMinusQ[at]! / total;
      }
    }
  }
  return outputs;
}

let registered = false;

/**
 * {@link RowNll} of logits `x` `[N, M]` against a 0/1 `positives` mask (at least one 1 per row),
 * as one kernel on the wasm and cpu backends; with `columns`, of each column (losses `[M, 1]`,
 * `pMinusQ` and `q` still in x's layout). Not differentiable by itself: the losses' custom
 * gradients use `pMinusQ` and `q`.
 */
export function rowNllKernel(x: tf.Tensor2D, positives: tf.Tensor2D, options: { columns?: boolean } = {}): RowNll {
  if (!registered) {
    registerHostKernel(ROW_NLL, (arrays, inputs) => lineNll(arrays, inputs, false));
    registerHostKernel(COLUMN_NLL, (arrays, inputs) => lineNll(arrays, inputs, true));
    registered = true;
  }
  const [loss, lse, pMinusQ, q] = tf.engine().runKernel(options.columns ? COLUMN_NLL : ROW_NLL, { x, positives }, {}) as tf.Tensor2D[];
  return { loss: loss!, lse: lse!, pMinusQ: pMinusQ!, q: q! };
}
