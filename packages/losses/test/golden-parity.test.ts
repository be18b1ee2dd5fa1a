import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setHostKernelsEnabled } from '../src/host-kernel.js';
import {
  balancedClassWeights,
  contrastiveLogits,
  itcLoss,
  itcLossFromLogits,
  itmLoss,
  jointLoss,
  weightedCrossEntropy,
} from '../src/index.js';
import { BACKENDS, useBackend } from './backends.js';
import { expectClose } from './close.js';
import { type ItcCase, type ItmCase, type JointCase, loadGolden, type WeightedCeCase } from './golden.js';

const itc = loadGolden<ItcCase>('itc');
const itm = loadGolden<ItmCase>('itm');
const wce = loadGolden<WeightedCeCase>('weighted_ce');
const joint = loadGolden<JointCase>('joint');

// Each backend with its host kernels (one-pass row losses on wasm and cpu) and, on cpu, with
// the tfjs-ops form that webgl and native TensorFlow run.
const MODES = [...BACKENDS.map((b) => [b, true] as const), ['cpu', false] as const];

describe.each(MODES)('golden parity on %s (host kernels: %s)', (backend, hostKernels) => {
  beforeAll(() => useBackend(backend));
  beforeEach(() => setHostKernelsEnabled(hostKernels));
  afterAll(() => setHostKernelsEnabled(true));

  describe('itc.json', () => {
    it.each(itc.cases.map((c, i) => [i, c] as const))('case %i: logits, loss and gradients', (_i, c) => {
      const text = tf.tensor2d(c.text);
      const image = tf.tensor2d(c.image);
      const scale = tf.scalar(c.logitScale);
      expectClose(contrastiveLogits(text, image, scale).arraySync(), c.logitsPerText);
      expectClose(itcLoss(text, image, { logitScale: scale }).dataSync()[0]!, c.loss);
      expectClose(itcLossFromLogits(tf.tensor2d(c.logitsPerText)).dataSync()[0]!, c.loss);
      if (c.gradText && c.gradImage && c.gradLogitScale !== undefined) {
        const [gt, gv, gs] = tf.grads((t, v, s) =>
          itcLoss(t as tf.Tensor2D, v as tf.Tensor2D, { logitScale: s as tf.Scalar }),
        )([text, image, scale]);
        expectClose(gt!.arraySync() as number[][], c.gradText);
        expectClose(gv!.arraySync() as number[][], c.gradImage);
        expectClose(gs!.dataSync()[0]!, c.gradLogitScale);
      }
    });
  });

  describe('itm.json', () => {
    it.each(itm.cases.map((c, i) => [i, c] as const))('case %i: loss and gradient', (_i, c) => {
      const logits = tf.tensor2d(c.logits);
      expectClose(itmLoss(logits, c.labels).dataSync()[0]!, c.loss);
      const g = tf.grad((z) => itmLoss(z as tf.Tensor2D, c.labels))(logits);
      expectClose(g.arraySync() as number[][], c.gradLogits);
    });
  });

  describe('weighted_ce.json', () => {
    it.each(wce.cases.map((c, i) => [i, c] as const))('case %i: class weights, both reductions, gradients', (_i, c) => {
      const numClasses = c.logits[0]!.length;
      const weights = balancedClassWeights(c.trainLabels, numClasses);
      expectClose(weights, c.classWeights, 1e-9);
      const logits = tf.tensor2d(c.logits);
      for (const [normalize, loss, grad] of [
        ['batch', c.batchMean, c.gradBatchMean],
        ['weights', c.weightedMean, c.gradWeightedMean],
      ] as const) {
        expectClose(weightedCrossEntropy(logits, c.labels, weights, { normalize }).dataSync()[0]!, loss);
        const g = tf.grad((z) => weightedCrossEntropy(z as tf.Tensor2D, c.labels, weights, { normalize }))(logits);
        expectClose(g.arraySync() as number[][], grad);
      }
      // 'batch' is the default: the paper's reduction.
      expectClose(weightedCrossEntropy(logits, c.labels, weights).dataSync()[0]!, c.batchMean);
    });
  });

  describe('joint.json', () => {
    it.each(joint.cases.map((c, i) => [i, c] as const))('case %i: every part and the total', (_i, c) => {
      const ce = weightedCrossEntropy(tf.tensor2d(c.classLogits), c.labels);
      const itcPart = itcLoss(tf.tensor2d(c.text), tf.tensor2d(c.image), { logitScale: c.logitScale });
      const itmPart = itmLoss(tf.tensor2d(c.itmLogits), c.itmLabels);
      expectClose(ce.dataSync()[0]!, c.ce);
      expectClose(itcPart.dataSync()[0]!, c.itc);
      expectClose(itmPart.dataSync()[0]!, c.itm);
      const total = jointLoss({ ce, itc: itcPart, itm: itmPart }, { betaItc: c.betaItc, betaItm: c.betaItm });
      expectClose(total.dataSync()[0]!, c.total);
      // Gradient of the total reaches each part with its convex weight.
      const g = tf.grads((a, b, m) =>
        jointLoss({ ce: a as tf.Scalar, itc: b as tf.Scalar, itm: m as tf.Scalar }, { betaItc: c.betaItc, betaItm: c.betaItm }),
      )([ce, itcPart, itmPart]);
      expect(g.map((t) => t.dataSync()[0])).toEqual([
        Math.fround(1 - c.betaItc - c.betaItm),
        Math.fround(c.betaItc),
        Math.fround(c.betaItm),
      ]);
    });
  });
});
