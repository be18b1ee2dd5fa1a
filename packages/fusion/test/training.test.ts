import * as tf from '@tensorflow/tfjs';
import { createRng } from '@mmaux/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, createFusionModel, createTrainStep, FUSION_KINDS, type FusionModel, MmauxFusionError } from '../src/index.js';
import { disposeBatch, expectClose, MULTIMODAL_KINDS, randomBatch, smallOptions, useBackend } from './helpers.js';

const unimodal = (kind: string) => kind === 'text-only' || kind === 'image-only';

function evalAccuracy(model: FusionModel, batch: ReturnType<typeof randomBatch>): number {
  const out = model.forward(batch);
  const predictions = tf.tidy(() => tf.argMax(out.classLogits, 1).dataSync());
  tf.dispose([out.classLogits, out.fused, out.textEmbedding, out.imageEmbedding].filter((t) => t !== null) as tf.Tensor[]);
  return batch.labels.filter((y, i) => predictions[i] === y).length / batch.labels.length;
}

describe('training on wasm', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(FUSION_KINDS)('%s overfits a tiny batch to 100% accuracy with CE + ITC + ITM', async (kind) => {
    const model = createFusionModel(kind, smallOptions({ seed: 11 }));
    const batch = randomBatch(21, { n: 8 });
    const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-2 }), rng: createRng(1) });
    let accuracy = 0;
    let steps = 0;
    while (accuracy < 1 && steps < 200) {
      for (let k = 0; k < 10; k++) {
        const r = await trainer.step(batch);
        expect(Number.isFinite(r.loss)).toBe(true);
        if (!unimodal(kind)) {
          expect(r.itc).not.toBeNull();
          expect(r.itm).not.toBeNull();
          // The convex objective of the paper: 0.8·CE + 0.1·ITC + 0.1·ITM.
          expect(r.loss).toBeCloseTo(0.8 * r.ce + 0.1 * r.itc! + 0.1 * r.itm!, 5);
        } else {
          expect(r.loss).toBeCloseTo(r.ce, 6);
        }
      }
      steps += 10;
      accuracy = evalAccuracy(model, batch);
    }
    expect(accuracy).toBe(1);
    disposeBatch(batch);
    model.dispose();
  });

  it('the same seed gives the same weights, losses and trained weights; another seed does not', async () => {
    const run = async (seed: number) => {
      const model = createFusionModel('single-stream', smallOptions({ seed }));
      const initial = model.trainableWeights.map((v) => Array.from(v.dataSync()));
      const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-2 }), rng: createRng(seed + 1), itm: { strategy: 'hard' } });
      const batch = randomBatch(5, { n: 6 });
      const losses = [];
      for (let k = 0; k < 3; k++) losses.push(await trainer.step(batch));
      const trained = model.trainableWeights.map((v) => Array.from(v.dataSync()));
      disposeBatch(batch);
      model.dispose();
      return { initial, losses, trained };
    };
    const a = await run(3);
    const b = await run(3);
    const c = await run(4);
    expect(b.initial).toEqual(a.initial);
    expect(b.losses).toEqual(a.losses);
    expect(b.trained).toEqual(a.trained);
    expect(c.initial).not.toEqual(a.initial);
  });

  it.each(MULTIMODAL_KINDS)('%s: no tensor leaks across steps (random and hard negatives)', async (kind) => {
    const model = createFusionModel(kind, smallOptions());
    const batch = randomBatch(8, { n: 6 });
    const optimizer = new AdamW({ learningRate: 1e-3 });
    for (const strategy of ['random', 'hard'] as const) {
      const trainer = createTrainStep(model, { optimizer, itm: { strategy } });
      await trainer.step(batch); // creates the optimizer's moments
      const before = tf.memory().numTensors;
      for (let k = 0; k < 3; k++) await trainer.step(batch);
      expect(tf.memory().numTensors).toBe(before);
    }
    optimizer.dispose();
    disposeBatch(batch);
    model.dispose();
  });

  // Dynamic padding (a batch padded to its own longest text, as the trainer's cache reads it)
  // against padding to the model's maximum: the same losses, the same updated weights. Dropout
  // is off: its masks are drawn per position, so a longer tensor draws a different stream. Plain
  // SGD, so that weights differ only as much as gradients do (Adam's normalisation turns a
  // rounding-level gradient, 0 in one run and 1e-12 in the other, into a full step).
  it.each(FUSION_KINDS)('%s: a batch padded to its longest text trains exactly as one padded to maxTextLength', async (kind) => {
    const lengths = [3, 1, 5, 2, 5, 4];
    const tight = randomBatch(31, { n: 6, textLength: 5, lengths });
    const extra = tf.randomNormal([6, 3, 8], 0, 1, 'float32', 32);
    const padded = {
      ...tight,
      text: { tokens: tf.concat([tight.text.tokens, extra], 1) as tf.Tensor3D, mask: tf.concat([tight.text.mask, tf.zeros([6, 3])], 1) as tf.Tensor2D, pooled: tight.text.pooled },
    };
    const run = async (batch: typeof tight) => {
      const model = createFusionModel(kind, smallOptions({ dropout: 0, transformerDropout: 0 }));
      const trainer = createTrainStep(model, { optimizer: tf.train.sgd(0.1), rng: createRng(4) });
      const results = [await trainer.step(batch), await trainer.step(batch)];
      const weights = model.trainableWeights.map((v) => Array.from(v.dataSync()));
      model.dispose();
      return { results, weights };
    };
    const a = await run(tight);
    const b = await run(padded);
    a.results.forEach((r, i) => {
      for (const key of ['loss', 'ce', 'itc', 'itm'] as const) {
        if (r[key] === null) expect(b.results[i]![key]).toBeNull();
        else expect(b.results[i]![key]).toBeCloseTo(r[key]!, 5);
      }
    });
    a.weights.forEach((w, i) => expectClose(b.weights[i]!, w, 1e-5, 1e-6));
    tf.dispose([extra, padded.text.tokens, padded.text.mask]);
    disposeBatch(tight);
  });

  it('a unimodal kind trains with CE only and rejects auxiliary losses', async () => {
    const model = createFusionModel('text-only', smallOptions());
    const optimizer = new AdamW({ learningRate: 1e-3 });
    const err = (() => {
      try {
        createTrainStep(model, { optimizer, betaItc: 0.1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MmauxFusionError);
    expect((err as MmauxFusionError).code).toBe('UNSUPPORTED');
    expect((err as Error).message).toMatch(/text-only.*betaItc = betaItm = 0/);
    const trainer = createTrainStep(model, { optimizer });
    expect(trainer.weights).toEqual({ ce: 1, itc: 0, itm: 0 });
    const batch = randomBatch(2, { n: 4 });
    const r = await trainer.step({ text: batch.text, labels: batch.labels });
    expect(r.itc).toBeNull();
    expect(r.itm).toBeNull();
    expect(r.retrievalTop1).toBeNull();
    disposeBatch(batch);
    model.dispose();
  });

  it('β = 0 switches a term off; itmPartner may be computed from the matched outputs', async () => {
    const model = createFusionModel('concat', smallOptions());
    const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-3 }), betaItc: 0.3, betaItm: 0 });
    expect(trainer.weights).toEqual({ ce: 0.7, itc: 0.3, itm: 0 });
    const batch = randomBatch(9, { n: 6 });
    const r = await trainer.step(batch);
    expect(r.itm).toBeNull();
    expect(r.itmAccuracy).toBeNull();
    expect(r.loss).toBeCloseTo(0.7 * r.ce + 0.3 * r.itc!, 5);
    expect(r.retrievalTop1).toBeGreaterThanOrEqual(0);
    const seen: number[][] = [];
    const out = model.forward(batch, {
      itmPartner: () => {
        const partner = [1, 2, 3, 4, 5, 0];
        seen.push(partner);
        return partner;
      },
    });
    expect(Array.from(out.partner!)).toEqual(seen[0]);
    tf.dispose([out.classLogits, out.fused, out.textEmbedding!, out.imageEmbedding!, out.matchLogits!]);
    disposeBatch(batch);
    model.dispose();
  });

  it('a diverging loss is a NON_FINITE error naming the step, not a NaN result', async () => {
    const model = createFusionModel('concat', smallOptions());
    const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-3 }) });
    const batch = randomBatch(10, { n: 4 });
    const poisoned = { ...batch, text: { ...batch.text, tokens: tf.fill([4, 5, 8], Number.NaN) as tf.Tensor3D } };
    const before = tf.memory().numTensors;
    await expect(trainer.step(poisoned)).rejects.toMatchObject({ code: 'NON_FINITE', message: expect.stringMatching(/step 0/) });
    expect(tf.memory().numTensors).toBe(before);
    poisoned.text.tokens.dispose();
    disposeBatch(batch);
    model.dispose();
  });
});
