import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setHostKernelsEnabled } from '../src/host-kernel.js';
import { contrastiveLogits, itcLoss, itcLossFromLogits, LogitScale, MAX_LOGIT_SCALE } from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { expectClose } from './close.js';
import { type ItcCase, loadGolden } from './golden.js';
import { numericDerivative, numericGradient, referenceItc, referenceLogits, seededMatrix } from './reference.js';

const duplicateCase = loadGolden<ItcCase>('itc').cases.find((c) => c.note?.includes('identical'))!;

const lossOf = (t: number[][], v: number[][], options: Parameters<typeof itcLoss>[2] = {}) =>
  tf.tidy(() => itcLoss(tf.tensor2d(t), tf.tensor2d(v), options).dataSync()[0]!);

const allFinite = (t: tf.Tensor) => Array.from(t.dataSync()).every(Number.isFinite);

// Each backend with its host kernels and, on cpu, with the tfjs-ops form other backends run.
const MODES = [...BACKENDS.map((b) => [b, true] as const), ['cpu', false] as const];

describe.each(MODES)('itcLoss properties on %s (host kernels: %s)', (backend, hostKernels) => {
  beforeAll(() => useBackend(backend));
  beforeEach(() => setHostKernelsEnabled(hostKernels));
  afterAll(() => setHostKernelsEnabled(true));

  it('is symmetric: swapping text and image leaves the loss unchanged', () => {
    const t = seededMatrix(6, 8, 1);
    const v = seededMatrix(6, 8, 2);
    expectClose(lossOf(t, v), lossOf(v, t), 1e-6);
  });

  it('is invariant to the norm of each embedding', () => {
    const t = seededMatrix(5, 4, 3);
    const v = seededMatrix(5, 4, 4);
    const scaled = t.map((row, i) => row.map((x) => x * (0.01 + 10 * i)));
    expectClose(lossOf(scaled, v), lossOf(t, v), 1e-5);
  });

  it('gives 0 for a batch of one', () => {
    expect(lossOf([[1, 2, 3]], [[-1, 0, 2]])).toBe(0);
  });

  it('turns duplicates into positives with group ids: the duplicate case gets a lower loss', () => {
    const { text, image, logitScale, loss } = duplicateCase;
    const groupIds = ['a', 'dup', 'b', 'dup'];
    const plain = lossOf(text, image, { logitScale });
    const grouped = lossOf(text, image, { logitScale, groupIds });
    expectClose(plain, loss);
    // Rows 1 and 3 (and columns 1 and 3) each lose exactly ln 2: the duplicate's equal logit
    // joins the positive set. Averaged over 4 rows and 4 columns: ln 2 / 2.
    expectClose(plain - grouped, Math.LN2 / 2, 1e-4);
    expectClose(grouped, referenceItc(referenceLogits(text, image, logitScale), groupIds));
  });

  it('matches the float64 reference with label smoothing, with and without groups', () => {
    const t = seededMatrix(6, 5, 5);
    const v = seededMatrix(6, 5, 6);
    const groups = [0, 1, 0, 2, 3, 1];
    for (const [eps, g] of [[0.1, undefined], [0.25, groups]] as const) {
      const expected = referenceItc(referenceLogits(t, v, 2), g as number[] | undefined, eps);
      expectClose(lossOf(t, v, { logitScale: 2, labelSmoothing: eps, groupIds: g }), expected);
    }
  });

  it('has gradients that match finite differences of the reference (groups + smoothing)', () => {
    const t = seededMatrix(5, 4, 7);
    const v = seededMatrix(5, 4, 8);
    const s = 1.7;
    const groups = ['x', 'y', 'x', 'z', 'w'];
    const eps = 0.1;
    const f = (tt: number[][], vv: number[][], ss: number) => referenceItc(referenceLogits(tt, vv, ss), groups, eps);
    const [gt, gv, gs] = tf.grads((a, b, c) =>
      itcLoss(a as tf.Tensor2D, b as tf.Tensor2D, { logitScale: c as tf.Scalar, groupIds: groups, labelSmoothing: eps }),
    )([tf.tensor2d(t), tf.tensor2d(v), tf.scalar(s)]);
    expectClose(gt!.arraySync() as number[][], numericGradient((x) => f(x, v, s), t), 1e-3);
    expectClose(gv!.arraySync() as number[][], numericGradient((x) => f(t, x, s), v), 1e-3);
    expectClose(gs!.dataSync()[0]!, numericDerivative((x) => f(t, v, x), s), 1e-3);
  });

  it('stays finite at logitScale = ln 100 with identical and near-identical embeddings', () => {
    const same = Array.from({ length: 8 }, () => [0.3, -1.2, 0.5, 2]);
    const near = same.map((row, i) => row.map((x, k) => x + 1e-7 * (i + k)));
    for (const [t, v] of [[same, same], [near, same], [near, near]]) {
      const inputs = [tf.tensor2d(t!), tf.tensor2d(v!), tf.scalar(MAX_LOGIT_SCALE)];
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        itcLoss(a as tf.Tensor2D, b as tf.Tensor2D, { logitScale: c as tf.Scalar });
      const loss = f(inputs[0]!, inputs[1]!, inputs[2]!);
      expect(allFinite(loss)).toBe(true);
      expectClose(loss.dataSync()[0]!, Math.log(8), 1e-3); // every pair ties: ln N
      const grads = tf.grads(f)(inputs);
      for (const g of grads) expect(allFinite(g)).toBe(true);
    }
  });

  it('keeps the gradient accurate (and its sign right) when the loss is tiny', () => {
    // Loss ≈ 3e-8 here: a plain softmax − onehot would round the diagonal to 1 − 1 = 0 and
    // flip the sign of d/d(logitScale).
    const t = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const v = [[1, 0.6, 0.5], [0.5, 1, 0.6], [0.6, 0.5, 1]];
    const g = tf.grad((s) => itcLoss(tf.tensor2d(t), tf.tensor2d(v), { logitScale: s as tf.Scalar }))(tf.scalar(4));
    const expected = numericDerivative((x) => referenceItc(referenceLogits(t, v, x)), 4, 1e-4);
    expect(expected).toBeLessThan(0);
    expectClose(g.dataSync()[0]!, expected, 1e-2);
  });

  it('reports tiny losses to float32 precision (no 1 + x rounding on any backend)', () => {
    const loss = itcLossFromLogits(tf.tensor2d([[10, 0], [0, 10]])).dataSync()[0]!;
    expectClose(loss, Math.log1p(Math.exp(-10)), 1e-5);
    const tiny = itcLossFromLogits(tf.tensor2d([[20, 0], [0, 20]])).dataSync()[0]!;
    expectClose(tiny, Math.log1p(Math.exp(-20)), 1e-5);
  });

  it('stays finite for a zero embedding row', () => {
    const t = [[0, 0, 0], [1, 2, 3]];
    const v = [[1, 0, 0], [0, 1, 0]];
    const grads = tf.grads((a, b) => itcLoss(a as tf.Tensor2D, b as tf.Tensor2D))([tf.tensor2d(t), tf.tensor2d(v)]);
    expect(Number.isFinite(lossOf(t, v))).toBe(true);
    for (const g of grads) expect(allFinite(g)).toBe(true);
  });

  it('clamps logitScale at maxLogitScale: same loss as the clamp value, zero gradient above it', () => {
    const t = seededMatrix(4, 3, 9);
    const v = seededMatrix(4, 3, 10);
    expectClose(lossOf(t, v, { logitScale: 7 }), lossOf(t, v, { logitScale: MAX_LOGIT_SCALE }), 1e-6);
    expectClose(lossOf(t, v, { logitScale: 7, maxLogitScale: 1 }), lossOf(t, v, { logitScale: 1 }), 1e-6);
    const g = tf.grad((s) => itcLoss(tf.tensor2d(t), tf.tensor2d(v), { logitScale: s as tf.Scalar }))(tf.scalar(7));
    expect(g.dataSync()[0]).toBe(0);
  });

  it('trains a LogitScale variable through variableGrads', () => {
    const scale = new LogitScale({ initial: 1 });
    const t = tf.tensor2d(seededMatrix(4, 3, 11));
    const v = tf.tensor2d(seededMatrix(4, 3, 12));
    const { grads } = tf.variableGrads(() => itcLoss(t, v, { logitScale: scale }), [scale.variable]);
    const expected = numericDerivative(
      (x) => referenceItc(referenceLogits(t.arraySync() as number[][], v.arraySync() as number[][], x)),
      1,
    );
    expectClose(grads[scale.variable.name]!.dataSync()[0]!, expected, 1e-3);
    scale.dispose();
  });

  it('itcLossFromLogits on contrastiveLogits equals itcLoss', () => {
    const t = tf.tensor2d(seededMatrix(7, 6, 13));
    const v = tf.tensor2d(seededMatrix(7, 6, 14));
    const viaLogits = itcLossFromLogits(contrastiveLogits(t, v, 2.5)).dataSync()[0]!;
    expectClose(viaLogits, itcLoss(t, v, { logitScale: 2.5 }).dataSync()[0]!, 1e-6);
  });
});
