import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, createFusionModel, createTrainStep, MmauxFusionError } from '../src/index.js';
import { disposeBatch, randomBatch, smallOptions, useBackend } from './helpers.js';

function codeOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof MmauxFusionError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a MmauxFusionError');
}

describe('typed errors that name the value and what to do', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it('bad kinds and options', () => {
    expect(codeOf(() => createFusionModel('lxmert' as never, smallOptions()))).toMatchObject({
      code: 'INVALID_KIND',
      message: expect.stringMatching(/unknown fusion kind "lxmert"; use one of 'text-only', .*'dual-stream'/),
    });
    expect(codeOf(() => createFusionModel('concat', smallOptions({ seed: 1.5 })))).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/seed must be an integer/) });
    expect(codeOf(() => createFusionModel('concat', smallOptions({ numClasses: 1 })))).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/numClasses must be at least 2/) });
    expect(codeOf(() => createFusionModel('single-stream', smallOptions({ hiddenDim: 10, heads: 4 })))).toMatchObject({ message: expect.stringMatching(/heads \(4\) must divide hiddenDim \(10\)/) });
    expect(codeOf(() => createFusionModel('concat', smallOptions({ dropout: 1 })))).toMatchObject({ message: expect.stringMatching(/dropout must be in \[0, 1\)/) });
    expect(codeOf(() => createFusionModel('gmu', smallOptions({ itcSource: 'joint' as 'fusion' })))).toMatchObject({ message: expect.stringMatching(/itcSource must be 'pooled' or 'fusion', got "joint"/) });
  });

  it('bad feature shapes name the tensor and the expected shape', () => {
    const model = createFusionModel('concat', smallOptions());
    const b = randomBatch(1, { n: 4 });
    const wrongDim = { ...b.text, pooled: tf.zeros([4, 5]) as tf.Tensor2D };
    expect(codeOf(() => model.forward({ text: wrongDim, image: b.image }))).toEqual({
      code: 'INVALID_SHAPE',
      message: 'FusionModel.forward: text.pooled must have shape [4, 8], got [4, 5].',
    });
    const otherN = randomBatch(2, { n: 3 });
    expect(codeOf(() => model.forward({ text: b.text, image: otherN.image }))).toMatchObject({
      code: 'INVALID_SHAPE',
      message: expect.stringMatching(/text has 4 posts but image has 3/),
    });
    expect(codeOf(() => model.forward({ text: b.text }))).toMatchObject({ code: 'MISSING_INPUT', message: expect.stringMatching(/'concat' model needs input.image/) });
    tf.dispose(wrongDim.pooled);
    disposeBatch(b);
    disposeBatch(otherN);
    model.dispose();
  });

  it('bad masks: values other than 0/1, padding at position 0, text longer than the position table', () => {
    const model = createFusionModel('single-stream', smallOptions({ maxTextLength: 4 }));
    const b = randomBatch(3, { n: 2, textLength: 4 });
    const half = { ...b.text, mask: tf.tensor2d([[1, 0.5, 0, 0], [1, 1, 1, 1]]) };
    expect(codeOf(() => model.forward({ text: half, image: b.image }))).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/text.mask\[0\]\[1\] = 0.5; a mask holds 1/),
    });
    const leftPadded = { ...b.text, mask: tf.tensor2d([[1, 1, 0, 0], [0, 1, 1, 1]]) };
    expect(codeOf(() => model.forward({ text: leftPadded, image: b.image }))).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/text.mask\[1\]\[0\] is 0; position 0 .* must be a real token. Pad on the right/),
    });
    const long = randomBatch(4, { n: 2, textLength: 5 });
    expect(codeOf(() => model.forward(long))).toMatchObject({
      code: 'INVALID_SHAPE',
      message: expect.stringMatching(/text has 5 tokens but .* maxTextLength = 4/),
    });
    tf.dispose([half.mask, leftPadded.mask]);
    disposeBatch(b);
    disposeBatch(long);
    model.dispose();
  });

  it('ITM on a unimodal kind, bad partners, disposed models, bad labels', async () => {
    const textOnly = createFusionModel('text-only', smallOptions());
    const b = randomBatch(5, { n: 4 });
    expect(codeOf(() => textOnly.matchLogits(b.text, b.image))).toMatchObject({ code: 'UNSUPPORTED' });
    expect(codeOf(() => textOnly.forward(b, { itmPartner: [0, 1, 2, 3] }))).toMatchObject({ code: 'UNSUPPORTED' });
    const model = createFusionModel('attention', smallOptions());
    expect(codeOf(() => model.forward(b, { itmPartner: [0, 1, 4, 3] }))).toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/itmPartner\[2\] = 4 is not a post index in \[0, 3\]/),
    });
    const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-3 }) });
    await expect(trainer.step({ ...b, labels: [0, 1, 3, 0] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/labels\[2\] = 3 is not a class index in \[0, 2\]/),
    });
    expect(() => createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-3 }), betaItc: 0.6, betaItm: 0.6 })).toThrow(/exceeds 1/);
    expect(() => createTrainStep(model, {} as never)).toThrow(/optimizer must be a tfjs Optimizer/);
    model.dispose();
    expect(codeOf(() => model.forward(b))).toMatchObject({ code: 'DISPOSED' });
    textOnly.dispose();
    disposeBatch(b);
  });
});
