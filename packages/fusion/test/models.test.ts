import * as tf from '@tensorflow/tfjs';
import { contrastiveLogits, itcLossFromLogits, itmLoss, weightedCrossEntropy } from '@mmaux/losses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFusionModel, FUSION_KINDS, type FusionModel, type FusionOutput } from '../src/index.js';
import { BACKENDS, disposeBatch, expectClose, randomBatch, smallOptions, useBackend } from './helpers.js';

const N = 6;
const PARTNER = [1, 0, 3, 2, 5, 4];
const unimodal = (kind: string) => kind === 'text-only' || kind === 'image-only';

describe.each(BACKENDS)('output shapes of every kind on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(FUSION_KINDS)('%s', (kind) => {
    const model = createFusionModel(kind, smallOptions());
    const batch = randomBatch(1, { n: N });
    for (const training of [false, true]) {
      const out = model.forward(batch, { training, ...(unimodal(kind) ? {} : { itmPartner: PARTNER }) });
      expect(out.classLogits.shape).toEqual([N, 3]);
      expect(out.fused.shape).toEqual([N, 16]);
      if (unimodal(kind)) {
        expect(out.textEmbedding).toBeNull();
        expect(out.imageEmbedding).toBeNull();
        expect(out.matchLogits).toBeUndefined();
      } else {
        expect(out.textEmbedding!.shape).toEqual([N, 8]);
        expect(out.imageEmbedding!.shape).toEqual([N, 8]);
        expect(out.matchLogits!.shape).toEqual([N, 2]);
        expect(Array.from(out.partner!)).toEqual(PARTNER);
        const match = model.matchLogits(batch.text, batch.image);
        expect(match.shape).toEqual([N, 2]);
        match.dispose();
      }
      expect(Array.from(out.classLogits.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([out.classLogits, out.fused, out.textEmbedding, out.imageEmbedding, out.matchLogits].filter((t) => t !== null && t !== undefined) as tf.Tensor[]);
    }
    disposeBatch(batch);
    model.dispose();
  });

  it('unimodal kinds need only their own modality', () => {
    const text = createFusionModel('text-only', smallOptions());
    const image = createFusionModel('image-only', smallOptions());
    const batch = randomBatch(2, { n: N });
    const t = text.forward({ text: batch.text });
    const v = image.forward({ image: batch.image });
    expect(t.classLogits.shape).toEqual([N, 3]);
    expect(v.classLogits.shape).toEqual([N, 3]);
    tf.dispose([t.classLogits, t.fused, v.classLogits, v.fused]);
    disposeBatch(batch);
    text.dispose();
    image.dispose();
  });
});

/** Every output of a forward pass with an ITM partner, as flat arrays. */
function outputs(model: FusionModel, batch: ReturnType<typeof randomBatch>): Record<string, Float32Array> {
  const out = model.forward(batch, unimodal(model.kind) ? {} : { itmPartner: PARTNER });
  const result: Record<string, Float32Array> = {};
  for (const key of ['classLogits', 'fused', 'textEmbedding', 'imageEmbedding', 'matchLogits'] as const) {
    const t = out[key as keyof FusionOutput] as tf.Tensor | null | undefined;
    if (t) {
      result[key] = t.dataSync() as Float32Array;
      t.dispose();
    }
  }
  return result;
}

describe('masks: padded positions never change an output (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(FUSION_KINDS)('%s: random, huge or NaN padding gives bit-identical outputs', (kind) => {
    const model = createFusionModel(kind, smallOptions({ summary: 'first-token' }));
    const lengths = [2, 5, 1, 3, 4, 2];
    const a = randomBatch(3, { n: N, lengths });
    const reference = outputs(model, a);
    for (const padValue of [1e30, Number.NaN, -7]) {
      const b = randomBatch(3, { n: N, lengths, padValue });
      const other = outputs(model, b);
      for (const key of Object.keys(reference)) expect(Array.from(other[key]!), `${key} with padding ${padValue}`).toEqual(Array.from(reference[key]!));
      disposeBatch(b);
    }
    disposeBatch(a);
    model.dispose();
  });

  it.each(FUSION_KINDS)('%s: more padding (a longer L) gives the same outputs', (kind) => {
    const model = createFusionModel(kind, smallOptions());
    const lengths = [2, 5, 1, 3, 4, 2];
    const a = randomBatch(4, { n: N, lengths });
    const extra = tf.randomNormal([N, 3, 8], 0, 1, 'float32', 9);
    const longer = {
      ...a,
      text: {
        tokens: tf.concat([a.text.tokens, extra], 1) as tf.Tensor3D,
        mask: tf.concat([a.text.mask, tf.zeros([N, 3])], 1) as tf.Tensor2D,
        pooled: a.text.pooled,
      },
    };
    const reference = outputs(model, a);
    const other = outputs(model, longer);
    for (const key of Object.keys(reference)) expectClose(other[key]!, reference[key]!, 1e-4, 1e-5);
    tf.dispose([extra, longer.text.tokens, longer.text.mask]);
    disposeBatch(a);
    model.dispose();
  });
});

/** CE + ITC + ITM of one batch, as the train step computes them. */
function jointObjective(model: FusionModel, batch: ReturnType<typeof randomBatch>): tf.Scalar {
  if (unimodal(model.kind)) {
    return weightedCrossEntropy(model.forward(batch, { training: true }).classLogits, batch.labels);
  }
  const out = model.forward(batch, { training: true, itmPartner: PARTNER });
  const logits = contrastiveLogits(out.textEmbedding!, out.imageEmbedding!, model.logitScale!);
  const itc = tf.add(tf.mean(tf.neg(tf.logSoftmax(logits))), 0); // any function of every logit will do
  return tf.addN([
    weightedCrossEntropy(out.classLogits, batch.labels),
    itc,
    itmLoss(out.matchLogits!, [0, 0, 1, 0, 1, 0]),
  ]) as tf.Scalar;
}

describe('gradients (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });

  it.each(FUSION_KINDS)('%s: the joint objective reaches every trainable weight, finitely', (kind) => {
    const model = createFusionModel(kind, smallOptions({ layers: 2 }));
    const batch = randomBatch(5, { n: N });
    const { value, grads } = tf.variableGrads(() => jointObjective(model, batch), model.trainableWeights);
    const missing: string[] = [];
    for (const { name, variable } of model.weights) {
      const g = grads[variable.name];
      const values = g?.dataSync();
      if (!values || !Array.from(values).some((x) => x !== 0)) missing.push(name);
      else expect(Array.from(values).every(Number.isFinite), name).toBe(true);
    }
    expect(missing).toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    model.dispose();
  });
});

describe('what ITC alone trains (wasm)', () => {
  beforeAll(async () => {
    await useBackend('wasm');
  });
  const multimodal = FUSION_KINDS.filter((k) => !unimodal(k));
  const itcGradients = (model: FusionModel, batch: ReturnType<typeof randomBatch>) => {
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(batch, { training: false });
      return itcLossFromLogits(contrastiveLogits(out.textEmbedding!, out.imageEmbedding!, model.logitScale!));
    }, model.trainableWeights);
    const reached = model.weights.filter(({ variable }) => Array.from(grads[variable.name]?.dataSync() ?? []).some((x) => x !== 0)).map((w) => w.name);
    tf.dispose([value, ...Object.values(grads)]);
    return reached;
  };

  it.each(multimodal)("%s with itcSource 'fusion' (default): ITC reaches fusion weights the classifier reads", (kind) => {
    const model = createFusionModel(kind, smallOptions({ layers: 1 }));
    expect(model.config.itcSource).toBe('fusion');
    const batch = randomBatch(9, { n: N });
    const reached = itcGradients(model, batch);
    expect(reached).toEqual(expect.arrayContaining(['itc/text_projection/kernel', 'itc/image_projection/kernel', 'itc/logit_scale']));
    expect(reached.filter((n) => !n.startsWith('itc/') && !n.startsWith('classifier') && !n.startsWith('itm')).length).toBeGreaterThan(0);
    disposeBatch(batch);
    model.dispose();
  });

  it.each(multimodal)("%s with itcSource 'pooled': ITC reaches only its projections and the temperature", (kind) => {
    const model = createFusionModel(kind, smallOptions({ layers: 1, itcSource: 'pooled' }));
    const batch = randomBatch(9, { n: N });
    expect(itcGradients(model, batch).sort()).toEqual(['itc/image_projection/kernel', 'itc/logit_scale', 'itc/text_projection/kernel']);
    disposeBatch(batch);
    model.dispose();
  });
});

describe.each(BACKENDS)('gradients against finite differences (%s, float32)', (backend) => {
  let saved: string;
  beforeAll(async () => {
    saved = tf.getBackend();
    await useBackend(backend);
  });
  afterAll(async () => {
    await tf.setBackend(saved);
  });

  // Per weight w, along a random unit direction d: (f(w + εd) − f(w − εd)) / 2ε ≈ ⟨∂f/∂w, d⟩.
  // ε = 1e-3 keeps ReLU kinks out of reach; float32 round-off is ~3e-4 at this ε.
  it.each(['concat', 'attention', 'gmu', 'single-stream', 'dual-stream'] as const)('%s, weight by weight', (kind) => {
    // Widths on wasm's SIMD grid (multiples of 16), so that its fused kernels are what is checked.
    const model = createFusionModel(kind, smallOptions({ dropout: 0, transformerDropout: 0, textDim: 16, imageDim: 32 }));
    const batch = randomBatch(6, { n: N, textDim: 16, imageDim: 32 });
    const f = () => tf.tidy(() => jointObjective(model, batch).dataSync()[0]!);
    const { value, grads } = tf.variableGrads(() => jointObjective(model, batch), model.trainableWeights);
    const eps = 1e-3;
    const bad: string[] = [];
    model.weights.forEach(({ name, variable }, k) => {
      const original = variable.clone();
      const d = tf.tidy(() => {
        const r = tf.randomNormal(variable.shape, 0, 1, 'float32', 100 + k);
        return tf.div(r, tf.norm(r));
      });
      const analytic = tf.tidy(() => tf.sum(tf.mul(grads[variable.name]!, d)).dataSync()[0]!);
      tf.tidy(() => variable.assign(tf.add(original, tf.mul(d, eps))));
      const up = f();
      tf.tidy(() => variable.assign(tf.sub(original, tf.mul(d, eps))));
      const down = f();
      variable.assign(original);
      const numeric = (up - down) / (2 * eps);
      if (!(Math.abs(numeric - analytic) <= 2e-3 + 2e-2 * Math.abs(analytic))) bad.push(`${name}: analytic ${analytic}, numeric ${numeric}`);
      tf.dispose([original, d]);
    });
    expect(bad).toEqual([]);
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    model.dispose();
  });
});
