import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import {
  balancedClassWeights,
  contrastiveLogits,
  contrastiveRetrieval,
  itcLoss,
  itcLossFromLogits,
  itmLoss,
  jointLoss,
  LogitScale,
  MmauxLossError,
  sigmoidContrastiveLoss,
  weightedCrossEntropy,
} from '../src/index.js';

function expectLossError(call: () => unknown, code: string, ...fragments: string[]): void {
  let caught: unknown;
  try {
    call();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a throw').toBeInstanceOf(MmauxLossError);
  const err = caught as MmauxLossError;
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
}

const t2 = tf.tensor2d([[1, 2], [3, 4]]);

describe('input errors', () => {
  it('rank and shape mismatches name both shapes', () => {
    expectLossError(() => itcLoss(tf.tensor1d([1, 2]) as never, t2), 'INVALID_SHAPE', 'text', 'rank 2', '[2]');
    expectLossError(() => itcLoss(t2, tf.tensor2d([[1, 2, 3], [4, 5, 6]])), 'INVALID_SHAPE', '[2, 2]', '[2, 3]');
    expectLossError(() => itcLoss(t2, tf.tensor2d([[1, 2]])), 'INVALID_SHAPE', '[1, 2]');
    expectLossError(() => itcLossFromLogits(tf.tensor2d([[1, 2, 3], [4, 5, 6]])), 'INVALID_SHAPE', 'square', '[2, 3]');
    expectLossError(() => itmLoss(tf.tensor2d([[1, 2, 3]]), [1]), 'INVALID_SHAPE', '[N, 2]', '[1, 3]');
    expectLossError(() => weightedCrossEntropy(t2, [0]), 'INVALID_SHAPE', '1 labels for 2 rows');
    expectLossError(() => weightedCrossEntropy(t2, [0, 1], [1, 1, 1]), 'INVALID_SHAPE', '3 entries', '2 classes');
    expectLossError(() => contrastiveRetrieval(tf.tensor2d([[1, 2]])), 'INVALID_SHAPE', '[1, 2]');
    expectLossError(() => itcLoss(t2, t2, { groupIds: [1] }), 'INVALID_SHAPE', 'groupIds has 1 entries');
    expectLossError(() => itcLoss(tf.tensor2d([[1, 2]], [1, 2], 'int32'), tf.tensor2d([[1, 2]])), 'INVALID_SHAPE', 'float32', 'int32');
  });

  it('N = 0 is rejected', () => {
    const empty = tf.zeros([0, 4]) as tf.Tensor2D;
    expectLossError(() => itcLoss(empty, empty), 'EMPTY_BATCH', 'N = 0');
    expectLossError(() => sigmoidContrastiveLoss(empty, empty), 'EMPTY_BATCH');
    expectLossError(() => itmLoss(tf.zeros([0, 2]) as tf.Tensor2D, []), 'EMPTY_BATCH');
    expectLossError(() => itcLossFromLogits(tf.zeros([0, 0]) as tf.Tensor2D), 'EMPTY_BATCH');
    expectLossError(() => balancedClassWeights([], 2), 'EMPTY_BATCH');
  });

  it('NaN and Infinity inputs are named with their position', () => {
    expectLossError(() => itcLoss(tf.tensor2d([[1, 2], [3, NaN]]), t2), 'NON_FINITE', 'text[1][1] is NaN');
    expectLossError(() => itcLoss(t2, tf.tensor2d([[Infinity, 2], [3, 4]])), 'NON_FINITE', 'image[0][0] is Infinity');
    expectLossError(() => itcLoss(t2, t2, { logitScale: NaN }), 'NON_FINITE', 'logitScale is NaN');
    expectLossError(() => itcLoss(t2, t2, { logitScale: tf.scalar(NaN) }), 'NON_FINITE', 'logitScale');
    expectLossError(() => contrastiveLogits(t2, t2, tf.scalar(Infinity)), 'NON_FINITE', 'logitScale');
    expectLossError(() => itcLossFromLogits(tf.tensor2d([[1, -Infinity], [0, 1]])), 'NON_FINITE', 'logitsPerText[0][1] is -Infinity');
    expectLossError(() => itmLoss(tf.tensor2d([[0, NaN]]), [1]), 'NON_FINITE', 'logits[0][1] is NaN');
    expectLossError(() => weightedCrossEntropy(t2, [0, 1], [1, NaN]), 'INVALID_OPTION', 'classWeights[1] = NaN');
    expectLossError(() => sigmoidContrastiveLoss(t2, t2, { logitBias: NaN }), 'INVALID_OPTION', 'logitBias');
    expectLossError(() => jointLoss({ ce: tf.scalar(NaN) }), 'NON_FINITE', 'parts.ce is NaN');
    expectLossError(() => contrastiveRetrieval(tf.tensor2d([[NaN, 1], [1, 1]])), 'NON_FINITE', '[0][0] is NaN');
  });

  it('checkFinite: false skips the checks', () => {
    const loss = itcLoss(tf.tensor2d([[1, 2], [3, NaN]]), t2, { checkFinite: false });
    expect(Number.isNaN(loss.dataSync()[0])).toBe(true);
  });

  it('labels outside the classes or not integers are named', () => {
    expectLossError(() => itmLoss(tf.tensor2d([[0, 1], [1, 0]]), [1, 2]), 'INVALID_LABEL', 'labels[1] = 2', '[0, 1]');
    expectLossError(() => weightedCrossEntropy(t2, [0, 0.5]), 'INVALID_LABEL', 'labels[1] = 0.5');
    expectLossError(() => weightedCrossEntropy(t2, [-1, 0]), 'INVALID_LABEL', 'labels[0] = -1');
    expectLossError(() => balancedClassWeights([0, 3], 3), 'INVALID_LABEL', 'labels[1] = 3');
  });

  it('betas outside [0, 1] or summing past 1 in the convex scheme are rejected', () => {
    const ce = tf.scalar(1);
    const itc = tf.scalar(2);
    const itm = tf.scalar(3);
    expectLossError(() => jointLoss({ ce, itc }, { betaItc: -0.1 }), 'INVALID_OPTION', 'betaItc = -0.1', '[0, 1]');
    expectLossError(() => jointLoss({ ce, itm }, { betaItm: 1.5 }), 'INVALID_OPTION', 'betaItm = 1.5');
    expectLossError(() => jointLoss({ ce, itc, itm }, { betaItc: 0.6, betaItm: 0.5 }), 'INVALID_OPTION', '0.6 + 0.5', 'exceeds 1');
    expectLossError(() => jointLoss({ ce, itc }, { betaItc: NaN }), 'INVALID_OPTION', 'NaN');
    expectLossError(() => jointLoss({ ce }, { scheme: 'sum' as never }), 'INVALID_OPTION', '"sum"');
    expectLossError(() => jointLoss({ ce, itc }, { betaItc: -1, scheme: 'additive' }), 'INVALID_OPTION', 'finite and ≥ 0');
    expectLossError(() => jointLoss({ ce: tf.tensor1d([1, 2]) as never }), 'INVALID_SHAPE', 'parts.ce', '[2]');
    // An absent part's beta does not count towards the sum; additive allows large betas.
    expect(jointLoss({ ce, itc }, { betaItc: 0.6, betaItm: 0.5 }).dataSync()[0]).toBeCloseTo(0.4 + 1.2, 6);
    expect(jointLoss({ ce, itc, itm }, { betaItc: 2, betaItm: 3, scheme: 'additive' }).dataSync()[0]).toBeCloseTo(1 + 4 + 9, 5);
  });

  it('options out of range are rejected', () => {
    expectLossError(() => itcLoss(t2, t2, { labelSmoothing: 1 }), 'INVALID_OPTION', 'labelSmoothing', '1');
    expectLossError(() => itcLoss(t2, t2, { logitScale: tf.tensor1d([1]) as never }), 'INVALID_OPTION', 'shape [1]');
    expectLossError(() => weightedCrossEntropy(t2, [0, 1], undefined, { normalize: 'mean' as never }), 'INVALID_OPTION', '"mean"');
    expectLossError(() => contrastiveRetrieval(t2, { k: [0] }), 'INVALID_OPTION', 'got 0');
    expectLossError(() => new LogitScale({ min: 2, max: 1 }), 'INVALID_OPTION', 'min (2) is above max (1)');
    expectLossError(() => balancedClassWeights([0], 0), 'INVALID_OPTION', 'numClasses');
  });
});
