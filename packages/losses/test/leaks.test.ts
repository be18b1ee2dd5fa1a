import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  contrastiveLogits,
  contrastiveRetrieval,
  itcLoss,
  itcLossFromLogits,
  itmLoss,
  jointLoss,
  LogitScale,
  sampleItmPairs,
  createRng,
  sigmoidContrastiveLoss,
  weightedCrossEntropy,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { seededMatrix } from './reference.js';

describe.each(BACKENDS)('no tensor leaks on %s', (backend) => {
  let text: tf.Tensor2D;
  let image: tf.Tensor2D;
  let logits: tf.Tensor2D;
  let scale: LogitScale;
  let pairLogits: tf.Tensor2D;
  let scalarA: tf.Scalar;
  let scalarB: tf.Scalar;
  let scalarC: tf.Scalar;
  let square: tf.Tensor2D;
  beforeAll(async () => {
    await useBackend(backend);
    text = tf.tensor2d(seededMatrix(6, 4, 1));
    image = tf.tensor2d(seededMatrix(6, 4, 2));
    logits = tf.tensor2d(seededMatrix(6, 3, 3));
    scale = new LogitScale();
    pairLogits = tf.tensor2d(seededMatrix(6, 2, 4));
    square = tf.tensor2d(seededMatrix(6, 6, 5));
    [scalarA, scalarB, scalarC] = [tf.scalar(1), tf.scalar(2), tf.scalar(3)];
  });
  afterAll(() => {
    tf.dispose([text, image, logits, pairLogits, square, scalarA, scalarB, scalarC]);
    scale.dispose();
  });

  const labels = [0, 1, 2, 2, 1, 0];
  const groupIds = [1, 1, 2, 3, 4, 5];

  const calls: Record<string, () => tf.Tensor | tf.Tensor[] | object> = {
    contrastiveLogits: () => contrastiveLogits(text, image, scale),
    itcLoss: () => itcLoss(text, image, { logitScale: scale, groupIds, labelSmoothing: 0.1 }),
    itcLossFromLogits: () => itcLossFromLogits(square, { groupIds, labelSmoothing: 0.2 }),
    sigmoidContrastiveLoss: () => sigmoidContrastiveLoss(text, image, { groupIds }),
    itmLoss: () => itmLoss(pairLogits, [1, 0, 1, 0, 1, 1]),
    weightedCrossEntropy: () => weightedCrossEntropy(logits, labels, [1, 2, 3], { normalize: 'weights' }),
    jointLoss: () => jointLoss({ ce: scalarA, itc: scalarB, itm: scalarC }),
    'grads of itcLoss': () =>
      tf.grads((a, b) => itcLoss(a as tf.Tensor2D, b as tf.Tensor2D, { logitScale: scale }))([text, image]),
    'variableGrads of the joint loss': () => {
      const { value, grads } = tf.variableGrads(
        () =>
          jointLoss({
            ce: weightedCrossEntropy(logits, labels),
            itc: itcLoss(text, image, { logitScale: scale }),
            itm: itmLoss(pairLogits, [1, 0, 1, 0, 1, 1]),
          }),
        [scale.variable],
      );
      return [value, ...Object.values(grads)];
    },
    'grads of sigmoidContrastiveLoss': () =>
      tf.grads((a, b) => sigmoidContrastiveLoss(a as tf.Tensor2D, b as tf.Tensor2D))([text, image]),
  };

  it.each(Object.keys(calls))('%s keeps only its outputs', (name) => {
    const before = tf.memory().numTensors;
    const out = calls[name]!();
    const outputs = Array.isArray(out) ? out : [out as tf.Tensor];
    expect(tf.memory().numTensors).toBe(before + outputs.length);
    tf.dispose(outputs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('contrastiveRetrieval, sampleItmPairs and LogitScale.clampInPlace keep nothing', () => {
    const sim = contrastiveLogits(image, text, 1);
    const before = tf.memory().numTensors;
    contrastiveRetrieval(sim);
    sampleItmPairs(6, { rng: createRng(1), strategy: 'hard', similarity: sim });
    scale.clampInPlace();
    scale.read();
    expect(tf.memory().numTensors).toBe(before);
    sim.dispose();
  });

  it('a LogitScale holds one tensor, its variable, and dispose releases it', () => {
    const before = tf.memory().numTensors;
    const own = new LogitScale({ initial: 1 });
    expect(tf.memory().numTensors).toBe(before + 1);
    own.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the error path leaks nothing either', () => {
    const before = tf.memory().numTensors;
    const bad = tf.tensor2d([[NaN, 1], [1, 1]]);
    const badScale = tf.scalar(NaN);
    expect(() => itcLoss(bad, bad)).toThrow();
    expect(() => itcLoss(text, image, { logitScale: badScale })).toThrow();
    expect(() => weightedCrossEntropy(bad, [0, 1])).toThrow();
    expect(() => sigmoidContrastiveLoss(text, image, { logitScale: badScale })).toThrow();
    tf.dispose([bad, badScale]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
