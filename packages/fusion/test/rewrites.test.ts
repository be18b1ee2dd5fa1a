import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createFusionModel, type FusionModel, type ImageFeatures, type TextFeatures } from '../src/index.js';
import { BACKENDS, disposeBatch, expectClose, MULTIMODAL_KINDS, randomBatch, smallOptions, useBackend } from './helpers.js';

// Every algebraic rewrite of the fusion layers against the straightforward form it replaces,
// built here from the model's own weights with plain tfjs ops and differentiated by tfjs's
// autodiff: the values to 1e-5, every weight's gradient to 1e-4. Widths are multiples of 16, so
// that wasm runs its SIMD kernels.

const N = 5;
const PARTNER = [2, 0, 1, 4, 3];
/** Posts 1, 3 and 4 keep their own text: their ITM rows are the matched pass's rows. */
const PARTIAL_PARTNER = [2, 1, 0, 3, 4];
const OPTIONS = smallOptions({ textDim: 16, imageDim: 32, hiddenDim: 16, projectionDim: 8, maxImageTokens: 7 });

interface Outputs {
  classLogits: tf.Tensor;
  matchLogits: tf.Tensor;
  textEmbedding: tf.Tensor;
  imageEmbedding: tf.Tensor;
}

/** A fixed random linear function of every output, so that every output's gradient counts. */
function objective(out: Outputs): tf.Scalar {
  const w = (t: tf.Tensor, seed: number) => tf.sum(tf.mul(t, tf.randomNormal(t.shape, 0, 1, 'float32', seed)));
  return tf.addN([w(out.classLogits, 1), w(out.matchLogits, 2), w(out.textEmbedding, 3), w(out.imageEmbedding, 4)]) as tf.Scalar;
}

function ours(model: FusionModel, batch: { text: TextFeatures; image: ImageFeatures }, partner: number[] | (() => number[]) = PARTNER): Outputs {
  const out = model.forward(batch, { itmPartner: partner });
  return { classLogits: out.classLogits, matchLogits: out.matchLogits!, textEmbedding: out.textEmbedding!, imageEmbedding: out.imageEmbedding! };
}

const dense = (x: tf.Tensor, k: tf.Tensor, b?: tf.Tensor) => {
  const y = tf.matMul(x as tf.Tensor2D, k as tf.Tensor2D);
  return b === undefined ? y : tf.add(y, b);
};

/** The kinds as first written: every product computed as the formula reads, one pass per pairing. */
function straightforward(model: FusionModel, batch: ReturnType<typeof randomBatch>): Outputs {
  const W = (name: string) => model.getWeight(name);
  const c = model.config;
  const first = (x: tf.Tensor3D) => tf.squeeze(tf.slice(x, [0, 0, 0], [x.shape[0], 1, x.shape[2]]), [1]);
  const t = first(batch.text.tokens);
  const v = first(batch.image.patches);
  const swappedT = tf.gather(t, tf.tensor1d(PARTNER, 'int32'));
  const kernelRows = (name: string, start: number, count: number) => tf.slice(W(name), [start, 0], [count, c.hiddenDim]);
  let fuse: (text: tf.Tensor) => tf.Tensor;
  let sources: { text: tf.Tensor; image: tf.Tensor };
  if (model.kind === 'concat') {
    fuse = (text) => tf.relu(dense(tf.concat([text, v], 1), W('concat/dense/kernel'), W('concat/dense/bias')));
    sources = { text: dense(t, kernelRows('concat/dense/kernel', 0, c.textDim)), image: dense(v, kernelRows('concat/dense/kernel', c.textDim, c.imageDim)) };
  } else if (model.kind === 'gmu') {
    const hv = tf.tanh(dense(v, W('gmu/image/kernel'), W('gmu/image/bias')));
    const ht = (text: tf.Tensor) => tf.tanh(dense(text, W('gmu/text/kernel'), W('gmu/text/bias')));
    fuse = (text) => {
      const z = tf.sigmoid(dense(tf.concat([text, v], 1), W('gmu/gate/kernel'), W('gmu/gate/bias')));
      return tf.add(tf.mul(z, ht(text)), tf.mul(tf.sub(1, z), hv));
    };
    sources = { text: ht(t), image: hv };
  } else {
    // attention: K and U for every patch, as the paper's code.
    const patches = tf.reshape(batch.image.patches, [-1, c.imageDim]);
    const p = batch.image.patches.shape[1];
    const keys = tf.reshape(dense(patches, W('attention/k/kernel'), W('attention/k/bias')), [N, p, c.hiddenDim]);
    const values = tf.reshape(dense(patches, W('attention/v/kernel'), W('attention/v/bias')), [N, p, c.hiddenDim]);
    const query = (text: tf.Tensor) => dense(text, W('attention/q/kernel'), W('attention/q/bias'));
    fuse = (text) => {
      const scores = tf.div(tf.matMul(tf.expandDims(query(text), 1) as tf.Tensor3D, keys as tf.Tensor3D, false, true), Math.sqrt(c.hiddenDim));
      const attended = tf.squeeze(tf.matMul(tf.softmax(scores) as tf.Tensor3D, values as tf.Tensor3D), [1]);
      return tf.relu(dense(tf.concat([text, attended], 1), W('attention/dense/kernel'), W('attention/dense/bias')));
    };
    sources = { text: query(t), image: tf.mean(keys, 1) };
  }
  return {
    classLogits: dense(fuse(t), W('classifier/kernel'), W('classifier/bias')),
    matchLogits: dense(fuse(swappedT), W('itm/kernel'), W('itm/bias')),
    textEmbedding: dense(sources.text, W('itc/text_projection/kernel')),
    imageEmbedding: dense(sources.image, W('itc/image_projection/kernel')),
  };
}

/** Text features of posts `partner[i]`. */
function swappedText(text: TextFeatures, partner: number[]): TextFeatures {
  const idx = tf.tensor1d(partner, 'int32');
  return { tokens: tf.gather(text.tokens, idx), mask: tf.gather(text.mask, idx), pooled: tf.gather(text.pooled, idx) };
}

/** The matched pass and the ITM pass run separately (the model's own layers, one pass each). */
function separatePasses(model: FusionModel, batch: { text: TextFeatures; image: ImageFeatures }, partner: number[] = PARTNER): Outputs {
  const out = model.forward(batch);
  return { classLogits: out.classLogits, matchLogits: model.matchLogits(swappedText(batch.text, partner), batch.image), textEmbedding: out.textEmbedding!, imageEmbedding: out.imageEmbedding! };
}

/** Every output's values, read inside a tidy. */
function valuesOf(outputs: () => Outputs): number[][] {
  let values: number[][] = [];
  tf.tidy(() => {
    values = Object.values(outputs()).map((t) => Array.from(t.dataSync()));
  });
  return values;
}

function compare(model: FusionModel, reference: () => Outputs, actual: () => Outputs): void {
  const a = valuesOf(actual);
  const e = valuesOf(reference);
  a.forEach((values, i) => expectClose(values, e[i]!, 1e-5, 1e-5));
  const weights = model.trainableWeights;
  const { value, grads } = tf.variableGrads(() => objective(actual()), weights);
  const { value: refValue, grads: refGrads } = tf.variableGrads(() => objective(reference()), weights);
  expectClose([value.dataSync()[0]!], [refValue.dataSync()[0]!], 1e-5, 1e-5);
  for (const { name, variable } of model.weights) {
    const g = grads[variable.name];
    const r = refGrads[variable.name];
    expect(g === undefined, `${name} gets a gradient in one form only`).toBe(r === undefined);
    if (g !== undefined && r !== undefined) expectClose(g.dataSync(), r.dataSync(), 1e-4, 1e-5);
  }
  tf.dispose([value, refValue, ...Object.values(grads), ...Object.values(refGrads)]);
}

describe.each(BACKENDS)('rewrites equal the straightforward form on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each(['concat', 'gmu', 'attention'] as const)('%s: per-modality products, shared ITM pass (and for attention: no patch projected)', (kind) => {
    const model = createFusionModel(kind, OPTIONS);
    const batch = randomBatch(3, { n: N, textDim: 16, imageDim: 32, patches: 7 });
    compare(model, () => straightforward(model, batch), () => ours(model, batch));
    disposeBatch(batch);
    model.dispose();
  });

  it.each(MULTIMODAL_KINDS)('%s: the matched and the ITM pairs in one pass equal two separate passes', (kind) => {
    const model = createFusionModel(kind, OPTIONS);
    const batch = randomBatch(4, { n: N, textDim: 16, imageDim: 32, patches: 7 });
    compare(model, () => separatePasses(model, batch), () => ours(model, batch));
    disposeBatch(batch);
    model.dispose();
  });

  it.each(MULTIMODAL_KINDS)('%s: pairs that keep their text reuse the matched rows (array and hard-negative function partners)', (kind) => {
    const model = createFusionModel(kind, OPTIONS);
    const batch = randomBatch(5, { n: N, textDim: 16, imageDim: 32, patches: 7 });
    compare(model, () => separatePasses(model, batch, PARTIAL_PARTNER), () => ours(model, batch, PARTIAL_PARTNER));
    compare(model, () => separatePasses(model, batch, PARTIAL_PARTNER), () => ours(model, batch, () => PARTIAL_PARTNER));
    compare(model, () => separatePasses(model, batch, [0, 1, 2, 3, 4]), () => ours(model, batch, [0, 1, 2, 3, 4]));
    disposeBatch(batch);
    model.dispose();
  });

  it.each(MULTIMODAL_KINDS)('%s: first tokens alone (what model.reads asks for) give the same outputs', (kind) => {
    const model = createFusionModel(kind, OPTIONS);
    const batch = randomBatch(6, { n: N, textDim: 16, imageDim: 32, patches: 7 });
    const { textTokens, imagePatches } = model.reads;
    const take = (x: tf.Tensor3D, part: 'all' | 'first' | 'none') => (part === 'all' ? x : tf.slice(x, [0, 0, 0], [N, 1, x.shape[2]]));
    const trimmed = {
      text: { tokens: take(batch.text.tokens, textTokens) as tf.Tensor3D, mask: textTokens === 'all' ? batch.text.mask : tf.ones([N, 1]) as tf.Tensor2D, pooled: batch.text.pooled },
      image: { patches: take(batch.image.patches, imagePatches) as tf.Tensor3D, pooled: batch.image.pooled },
    };
    if (kind === 'single-stream' || kind === 'dual-stream') expect(model.reads).toEqual({ textTokens: 'all', imagePatches: 'all' });
    else expect(textTokens).toBe('first');
    const full = valuesOf(() => ours(model, batch));
    const less = valuesOf(() => ours(model, trimmed));
    less.forEach((values, i) => expectClose(values, full[i]!, 1e-6, 1e-6));
    disposeBatch(batch);
    model.dispose();
  });
});
