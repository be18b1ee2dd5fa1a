import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { type ItcCase, loadGolden } from './golden.js';
import { expectClose } from './close.js';

// tfjs-core with a bare backend registers no gradient functions (only @tensorflow/tfjs and
// tfjs-node import them). @mmaux/losses carries its own gradients and registers none, so it
// trains here too and leaves the registry exactly as it found it.

const KERNELS = ['Max', 'Exp', 'Log', 'Sum', 'BatchMatMul', 'Multiply', 'Sub', 'ClipByValue', 'Select', 'Softplus'];

describe('with tfjs-core and a bare backend (no gradients registered)', () => {
  it('the environment really has no gradients', () => {
    expect(KERNELS.filter((k) => tf.getGradient(k) !== undefined)).toEqual([]);
    expect(() => tf.grad((x) => tf.max(x))(tf.tensor1d([1, 2]))).toThrow(/gradient function not found/);
  });

  it('importing @mmaux/losses registers nothing, and every loss still differentiates', async () => {
    const losses = await import('../src/index.js');
    expect(KERNELS.filter((k) => tf.getGradient(k) !== undefined)).toEqual([]);

    const c = loadGolden<ItcCase>('itc').cases[6]!;
    const [gt, gv, gs] = tf.grads((t, v, s) =>
      losses.itcLoss(t as tf.Tensor2D, v as tf.Tensor2D, { logitScale: s as tf.Scalar }),
    )([tf.tensor2d(c.text), tf.tensor2d(c.image), tf.scalar(c.logitScale)]);
    expectClose(gt!.arraySync() as number[][], c.gradText!);
    expectClose(gv!.arraySync() as number[][], c.gradImage!);
    expectClose(gs!.dataSync()[0]!, c.gradLogitScale!);

    const text = tf.tensor2d(c.text);
    const image = tf.tensor2d(c.image);
    const scale = new losses.LogitScale();
    const bias = tf.variable(tf.scalar(-2));
    const logits = tf.variable(tf.tensor2d([[1, 2, 0], [0, 1, 3], [2, 0, 1], [1, 1, 1]]));
    const pair = tf.variable(tf.tensor2d([[0, 1], [2, 0], [1, 1], [0, 3]]));
    const { value, grads } = tf.variableGrads(() =>
      losses.jointLoss({
        ce: losses.weightedCrossEntropy(logits, [0, 2, 1, 1], [1, 2, 0.5]),
        itc: losses.itcLoss(text, image, { logitScale: scale, groupIds: [1, 2, 2, 3] }),
        itm: losses.itmLoss(pair, [1, 0, 1, 0]),
      }),
      [scale.variable, logits, pair],
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    expect(Object.keys(grads).sort()).toEqual([scale.variable.name, logits.name, pair.name].sort());
    const siglip = tf.variableGrads(() => losses.sigmoidContrastiveLoss(text, image, { logitBias: bias }), [bias]);
    expect(Number.isFinite(siglip.grads[bias.name]!.dataSync()[0])).toBe(true);
    expect(KERNELS.filter((k) => tf.getGradient(k) !== undefined)).toEqual([]);
  });
});
