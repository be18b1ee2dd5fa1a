import * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { itcLoss, itmLoss, jointLoss, LogitScale, weightedCrossEntropy } from '../src/index.js';
import { expectClose } from './close.js';
import { type ItcCase, type JointCase, loadGolden } from './golden.js';

// In a project that uses the @tensorflow/tfjs umbrella (or tfjs-node, which shares it) every
// gradient is registered and tfjs-layers is there; the losses must behave the same.

describe('in a project using @tensorflow/tfjs', () => {
  beforeAll(async () => {
    await tfjs.setBackend('cpu');
  });

  it('sees tfjs gradients registered, and matches the golden values through them', () => {
    expect(tfjs.getGradient('Max')).toBeDefined();
    const c = loadGolden<ItcCase>('itc').cases[9]!;
    const [gt, gv, gs] = tfjs.grads((t, v, s) =>
      itcLoss(t as tfjs.Tensor2D, v as tfjs.Tensor2D, { logitScale: s as tfjs.Scalar }),
    )([tfjs.tensor2d(c.text), tfjs.tensor2d(c.image), tfjs.scalar(c.logitScale)]);
    expectClose(gt!.arraySync() as number[][], c.gradText!);
    expectClose(gv!.arraySync() as number[][], c.gradImage!);
    expectClose(gs!.dataSync()[0]!, c.gradLogitScale!);
  });

  it('trains a tfjs-layers model end to end with the joint objective', () => {
    const j = loadGolden<JointCase>('joint').cases[0]!;
    const n = j.text.length;
    const textIn = tfjs.tensor2d(j.text);
    const imageIn = tfjs.tensor2d(j.image);
    const projectText = tfjs.layers.dense({ units: 8, useBias: false, kernelInitializer: 'glorotUniform' });
    const projectImage = tfjs.layers.dense({ units: 8, useBias: false });
    const classify = tfjs.layers.dense({ units: 3 });
    const scale = new LogitScale();
    const optimizer = tfjs.train.adam(0.01);
    const step = () =>
      optimizer.minimize(() => {
        const t = projectText.apply(textIn) as tfjs.Tensor2D;
        const v = projectImage.apply(imageIn) as tfjs.Tensor2D;
        const logits = classify.apply(tfjs.concat([t, v], 1)) as tfjs.Tensor2D;
        return jointLoss({
          ce: weightedCrossEntropy(logits, j.labels),
          itc: itcLoss(t, v, { logitScale: scale }),
          itm: itmLoss(tfjs.slice(logits, [0, 0], [n, 2]) as tfjs.Tensor2D, j.itmLabels),
        });
      }, true) as tfjs.Scalar;
    const first = step().dataSync()[0]!;
    let last = first;
    for (let i = 0; i < 60; i++) last = step().dataSync()[0]!;
    expect(last).toBeLessThan(first * 0.7);
    scale.dispose();
  });
});
