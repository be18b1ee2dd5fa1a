import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowNllKernel } from '../src/row-nll-kernel.js';
import { transposeMatrix } from '../src/transpose-kernel.js';
import { positiveSetNll, positiveSetNllGradient } from '../src/softmax-rows.js';
import { BACKENDS, useBackend } from './backends.js';

// The one-pass row loss kernel (wasm and cpu) against the tfjs-ops form other backends run, and
// both against float64 references, including the rows where precision is hard: a well-fit row
// whose loss is ~1e-9, a hopeless row (logit gap 150), a multi-positive row, one negative only.

const LOGITS = [
  [3, -1, 0.5, 2],
  [20, 0, -1, -2], // loss ≈ e^-20: p − q on the positive must not be 0
  [-100, 50, 0, 1], // the positive 150 below the max
  [1, 1, -3, 0.5], // two positives
  [0.25, 0.75, -0.5, 0],
];
const POSITIVES = [
  [1, 0, 0, 0],
  [1, 0, 0, 0],
  [1, 0, 0, 0],
  [1, 1, 0, 0],
  [0, 0, 0, 1],
];

/** −log Σ_P softmax, its gradient and the row logsumexp, in float64. */
function reference(row: number[], pos: number[]) {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const total = e.reduce((a, b) => a + b, 0);
  const maxP = Math.max(...row.filter((_, j) => pos[j]));
  const eP = row.map((v, j) => (pos[j] ? Math.exp(v - maxP) : 0));
  const sumP = eP.reduce((a, b) => a + b, 0);
  const sumN = e.reduce((a, b, j) => a + (pos[j] ? 0 : b), 0);
  const d = Math.log(sumN) + max - Math.log(sumP) - maxP;
  const loss = d > 0 ? d + Math.log1p(Math.exp(-d)) : Math.log1p(Math.exp(d));
  const sigma = 1 / (1 + Math.exp(-d));
  const grad = row.map((v, j) => (pos[j] ? (-eP[j]! / sumP) * sigma : e[j]! / total));
  return { loss, lse: max + Math.log(total), grad };
}

const close = (a: number, e: number, rtol: number) => Math.abs(a - e) <= rtol * Math.abs(e) + 1e-30;

describe.each(BACKENDS)('row loss kernel on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('equals float64 references and the tfjs-ops form, loss and gradient, also at 1e-9 and at a gap of 150', () => {
    const x = tf.tensor2d(LOGITS);
    const p = tf.tensor2d(POSITIVES);
    const kernel = rowNllKernel(x, p);
    const ops = positiveSetNll(x, p);
    const opsGrad = positiveSetNllGradient(x, p, ops.lse, ops.loss);
    const [kl, kg, ol, og, klse] = [kernel.loss, kernel.pMinusQ, ops.loss, opsGrad.pMinusQ, kernel.lse].map((t) => Array.from(t.dataSync()));
    LOGITS.forEach((row, i) => {
      const ref = reference(row, POSITIVES[i]!);
      expect(close(kl![i]!, ref.loss, 1e-5), `kernel loss row ${i}: ${kl![i]} vs ${ref.loss}`).toBe(true);
      expect(close(ol![i]!, ref.loss, 1e-4), `ops loss row ${i}: ${ol![i]} vs ${ref.loss}`).toBe(true);
      expect(close(klse![i]!, ref.lse, 1e-6)).toBe(true);
      ref.grad.forEach((g, j) => {
        expect(close(kg![i * 4 + j]!, g, 1e-5), `kernel grad [${i}][${j}]: ${kg![i * 4 + j]} vs ${g}`).toBe(true);
        expect(Math.abs(og![i * 4 + j]! - g) <= 1e-4 * Math.abs(g) + 1e-7, `ops grad [${i}][${j}]: ${og![i * 4 + j]} vs ${g}`).toBe(true);
      });
    });
    // The well-fit row keeps its tiny loss and its tiny negative gradient on the positive.
    expect(kl![1]).toBeGreaterThan(0);
    expect(kg![4]).toBeLessThan(0);
    tf.dispose([x, p, kernel.loss, kernel.lse, kernel.pMinusQ, kernel.q, ops.loss, ops.lse, opsGrad.pMinusQ, opsGrad.q]);
  });

  it('a row with no negative (N = 1) has loss 0', () => {
    const out = rowNllKernel(tf.tensor2d([[4]]), tf.tensor2d([[1]]));
    expect(out.loss.dataSync()[0]).toBe(0);
    expect(Math.abs(out.pMinusQ.dataSync()[0]!)).toBe(0);
    tf.dispose([out.loss, out.lse, out.pMinusQ, out.q]);
  });
});

describe.each(BACKENDS)('transposeMatrix on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('equals tf.transpose for small, ragged and block-sized matrices', () => {
    for (const [m, n] of [[1, 1], [3, 17], [16, 16], [33, 70]] as const) {
      const x = tf.randomNormal([m, n], 0, 1, 'float32', m + n) as tf.Tensor2D;
      const t = transposeMatrix(x);
      expect(t.shape).toEqual([n, m]);
      expect(Array.from(t.dataSync())).toEqual(Array.from(tf.transpose(x).dataSync()));
      tf.dispose([x, t]);
    }
  });
});
