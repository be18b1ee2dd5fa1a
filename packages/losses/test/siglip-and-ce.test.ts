import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  balancedClassWeights,
  itmLoss,
  SIGLIP_LOGIT_BIAS,
  SIGLIP_LOGIT_SCALE,
  sigmoidContrastiveLoss,
  weightedCrossEntropy,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { expectClose } from './close.js';
import { numericDerivative, numericGradient, referenceCrossEntropy, referenceSiglip, seededMatrix } from './reference.js';

describe.each(BACKENDS)('sigmoidContrastiveLoss on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  const t = seededMatrix(6, 5, 21);
  const v = seededMatrix(6, 5, 22);

  it('defaults to SigLIP initial values ln 10 and −10', () => {
    expect(SIGLIP_LOGIT_SCALE).toBeCloseTo(Math.log(10), 12);
    expect(SIGLIP_LOGIT_BIAS).toBe(-10);
    const loss = sigmoidContrastiveLoss(tf.tensor2d(t), tf.tensor2d(v)).dataSync()[0]!;
    expectClose(loss, referenceSiglip(t, v, Math.log(10), -10));
  });

  it('matches the float64 reference with groups, and its gradients match finite differences', () => {
    const groups = [1, 2, 1, 3, 4, 5];
    const s = 1.3;
    const b = -1.5;
    const f = (tt: number[][], vv: number[][], ss: number, bb: number) => referenceSiglip(tt, vv, ss, bb, groups);
    const fn = (a: tf.Tensor, c: tf.Tensor, sc: tf.Tensor, bi: tf.Tensor) =>
      sigmoidContrastiveLoss(a as tf.Tensor2D, c as tf.Tensor2D, {
        logitScale: sc as tf.Scalar,
        logitBias: bi as tf.Scalar,
        groupIds: groups,
      });
    const inputs = [tf.tensor2d(t), tf.tensor2d(v), tf.scalar(s), tf.scalar(b)];
    expectClose(fn(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!).dataSync()[0]!, f(t, v, s, b));
    const [gt, gv, gs, gb] = tf.grads(fn)(inputs);
    expectClose(gt!.arraySync() as number[][], numericGradient((x) => f(x, v, s, b), t), 1e-3);
    expectClose(gv!.arraySync() as number[][], numericGradient((x) => f(t, x, s, b), v), 1e-3);
    expectClose(gs!.dataSync()[0]!, numericDerivative((x) => f(t, v, x, b), s), 1e-3);
    expectClose(gb!.dataSync()[0]!, numericDerivative((x) => f(t, v, s, x), b), 1e-3);
  });

  it('stays finite for extreme biases and identical embeddings at the clamp', () => {
    const same = Array.from({ length: 4 }, () => [1, 2, 3]);
    for (const bias of [-1e4, 1e4]) {
      const g = tf.grads((a, c) =>
        sigmoidContrastiveLoss(a as tf.Tensor2D, c as tf.Tensor2D, { logitScale: Math.log(100), logitBias: bias }),
      )([tf.tensor2d(same), tf.tensor2d(same)]);
      const loss = sigmoidContrastiveLoss(tf.tensor2d(same), tf.tensor2d(same), { logitScale: Math.log(100), logitBias: bias });
      expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
      for (const x of g) expect(Array.from(x.dataSync()).every(Number.isFinite)).toBe(true);
    }
  });
});

describe.each(BACKENDS)('cross-entropy on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  const logits = seededMatrix(7, 3, 31, 4);
  const labels = [0, 2, 2, 1, 0, 2, 2];

  it('is the plain mean cross-entropy without weights', () => {
    expectClose(weightedCrossEntropy(tf.tensor2d(logits), labels).dataSync()[0]!, referenceCrossEntropy(logits, labels));
  });

  it('gives 0 loss and 0 gradient when every weight in the batch is 0 (normalize: weights)', () => {
    const w = [0, 0, 1];
    const onlyZero = [0, 1, 0, 1, 0, 1, 0];
    const f = (z: tf.Tensor) => weightedCrossEntropy(z as tf.Tensor2D, onlyZero, w, { normalize: 'weights' });
    expect(f(tf.tensor2d(logits)).dataSync()[0]).toBe(0);
    expect(Array.from(tf.grad(f)(tf.tensor2d(logits)).dataSync()).every((x) => x === 0)).toBe(true);
  });

  it('accepts labels as an int32 tensor', () => {
    const fromTensor = weightedCrossEntropy(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync()[0]!;
    expectClose(fromTensor, referenceCrossEntropy(logits, labels));
  });

  it('is stable for huge logits', () => {
    const big = [[1e4, -1e4], [-3e4, 3e4]];
    const loss = itmLoss(tf.tensor2d(big), [0, 0]).dataSync()[0]!;
    expectClose(loss, 3e4, 1e-6);
  });
});

describe('balancedClassWeights', () => {
  it('gives an absent class weight 0 and warns, never Infinity', () => {
    const warnings: string[] = [];
    const w = balancedClassWeights([0, 0, 2], 3, { onWarning: (m) => warnings.push(m) });
    expect(w).toEqual([3 / (3 * 2), 0, 3 / (3 * 1)]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('class 1 never occur');
  });
});
