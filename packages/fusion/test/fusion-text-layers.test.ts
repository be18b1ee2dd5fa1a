// A fusion model that owns text encoder layers (issue 13): gradients of the model's outputs reach
// every encoder weight and match central finite differences, frozen parts get none, the encoder
// trains at its own learning rate (0 leaves it untouched while the fusion layers move), save →
// load restores identical outputs, and nothing leaks.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '@mmaux/losses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  createFusionModel,
  createTrainStep,
  type FusionKind,
  type FusionModel,
  loadFusionModel,
  MmauxFusionError,
  TextEncoderLayers,
  type TextEncoderLayersConfig,
  textLayerParamGroups,
  textLayersConfigFromHf,
  type TrainableTextLayers,
} from '../src/index.js';
import { gaussian, randomBatch, smallOptions, useBackend } from './helpers.js';

const ENCODER: TextEncoderLayersConfig = textLayersConfigFromHf({
  model_type: 'bert',
  hidden_size: 8,
  num_attention_heads: 2,
  intermediate_size: 16,
  num_hidden_layers: 3,
  vocab_size: 20,
  max_position_embeddings: 16,
  // Initial weights larger than BERT's 0.02, so that attention is far from uniform and every
  // weight's gradient is well above float32's finite-difference noise.
  initializer_range: 0.3,
});

function modelWith(kind: FusionKind, trainable: TrainableTextLayers, extra: { freezeWordEmbeddings?: boolean; itcSource?: 'pooled' | 'fusion'; summary?: 'first-token' | 'pooled' } = {}): FusionModel {
  // The pooler only where the model reads the pooled vector (else its weights would get no gradient).
  const pooler = extra.summary === 'pooled' || extra.itcSource === 'pooled';
  const layers = new TextEncoderLayers(ENCODER, { trainableLayers: trainable, pooler, rng: createRng(11), ...(extra.freezeWordEmbeddings ? { freezeWordEmbeddings: true } : {}) });
  return createFusionModel(kind, smallOptions({ textLayers: layers, ...(extra.itcSource ? { itcSource: extra.itcSource } : {}), ...(extra.summary ? { summary: extra.summary } : {}) }));
}

const LENGTHS = [5, 3, 4, 1, 5, 2];

/** A batch whose text is the hidden state entering the stack (`tokens`), or token ids for 'all'. */
function batchFor(model: FusionModel, seed = 3) {
  const b = randomBatch(seed, { n: 6, textLength: 5, lengths: LENGTHS, textDim: 8, imageDim: 6 });
  if (model.textLayers?.hasEmbeddings) {
    const rng = createRng(seed + 50);
    const ids = tf.tensor2d(Array.from({ length: 30 }, (_, k) => (LENGTHS[Math.floor(k / 5)]! > k % 5 ? 1 + Math.floor(rng() * 19) : 0)), [6, 5], 'int32');
    return { ...b, text: { inputIds: ids, mask: b.text.mask, tokens: b.text.tokens, pooled: b.text.pooled } };
  }
  return b;
}

function disposeAll(batch: { text: object; image: object }): void {
  tf.dispose([...Object.values(batch.text), ...Object.values(batch.image)] as tf.Tensor[]);
}

const PARTNER = [1, 0, 2, 5, 4, 3];

/** A scalar of every output head, with fixed random coefficients: Σ c⊙logits + Σ e⊙textEmbedding + Σ m⊙matchLogits. */
function outputScalar(model: FusionModel, batch: ReturnType<typeof batchFor>): tf.Scalar {
  return tf.tidy(() => {
    const out = model.forward(batch, { itmPartner: PARTNER });
    const coef = (t: tf.Tensor, seed: number) => tf.sum(tf.mul(t, tf.tensor(gaussian(createRng(seed), t.size), t.shape)));
    return tf.addN([coef(out.classLogits, 1), coef(out.textEmbedding!, 2), coef(out.matchLogits!, 3)]) as tf.Scalar;
  });
}

const encoderWeights = (model: FusionModel) => model.textLayers!.namedWeights();

describe('a fusion model that owns text encoder layers', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([
    ['concat', 2, { summary: 'pooled' }],
    ['attention', 1, {}],
    ['gmu', 3, { itcSource: 'pooled' }],
    ['single-stream', 2, {}],
    ['dual-stream', 1, {}],
    ['concat', 'all', { summary: 'pooled' }],
  ] as const)('%s, top %s (%o): the gradient reaches every encoder weight and matches finite differences', (kind, k, extra) => {
    const model = modelWith(kind, k, extra);
    const batch = batchFor(model);
    const named = encoderWeights(model);
    const pooler = Object.keys(extra).length > 0 ? 2 : 0;
    expect(named.length).toBe(k === 'all' ? 5 + 3 * 16 + pooler : k * 16 + pooler);
    const { grads, value } = tf.variableGrads(() => outputScalar(model, batch), named.map((w) => w.variable));
    value.dispose();
    const eps = 1e-3;
    for (const { name, variable } of named) {
      const g = grads[variable.name]!;
      const direction = tf.tensor(Float32Array.from(gaussian(createRng(name.length * 7 + variable.size), variable.size)), variable.shape);
      const analytic = tf.sum(tf.mul(g, direction)).dataSync()[0]!;
      const original = variable.clone();
      const at = (s: number) => {
        tf.tidy(() => variable.assign(tf.add(original, tf.mul(direction, s))));
        const f = outputScalar(model, batch);
        const v = f.dataSync()[0]!;
        f.dispose();
        return v;
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      variable.assign(original);
      tf.dispose([original, direction]);
      // Every weight takes part: a zero gradient would mean the outputs ignore it. Except the
      // key bias: q·b_K is the same for every key, so the softmax cancels it (as in HF's BERT).
      if (name.endsWith('attention.self.key.bias')) expect(Math.abs(analytic), name).toBeLessThan(1e-5);
      else expect(Math.abs(analytic), name).toBeGreaterThan(1e-3);
      expect(Math.abs(analytic - numeric), `${name}: analytic ${analytic}, numeric ${numeric}`).toBeLessThanOrEqual(2e-2 * Math.abs(numeric) + 1e-2);
    }
    tf.dispose(Object.values(grads));
    disposeAll(batch);
    model.dispose();
  });

  it('holds only the top k layers: the frozen lower layers are not weights at all, a frozen word table gets no gradient', () => {
    const top = modelWith('concat', 1);
    const names = top.weightNames();
    expect(names.filter((n) => n.startsWith('encoder.layer.2.'))).toHaveLength(16);
    expect(names.some((n) => n.startsWith('encoder.layer.0.') || n.startsWith('encoder.layer.1.') || n.startsWith('embeddings.'))).toBe(false);
    expect(names).not.toContain('pooler.dense.weight');
    top.dispose();
    const all = modelWith('concat', 'all', { freezeWordEmbeddings: true });
    const words = all.getWeight('embeddings.word_embeddings.weight');
    expect(all.trainableWeights).not.toContain(words);
    expect(all.trainableWeights).toContain(all.getWeight('embeddings.position_embeddings.weight'));
    const batch = batchFor(all);
    const before = words.dataSync().slice();
    const trainer = createTrainStep(all, { optimizer: new AdamW({ learningRate: 0.05 }), rng: createRng(2), dropoutRng: createRng(3) });
    return trainer.step(batch).then(() => {
      expect(Array.from(words.dataSync())).toEqual(Array.from(before));
      disposeAll(batch);
      all.dispose();
    });
  });

  it('reads every token (the layers attend over them) and takes the hidden state as { hidden, mask } too', () => {
    const model = modelWith('concat', 2);
    expect(model.reads.textTokens).toBe('all');
    const batch = batchFor(model);
    const a = model.forward(batch).classLogits;
    const b = model.forward({ text: { hidden: batch.text.tokens, mask: batch.text.mask }, image: batch.image }).classLogits;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    disposeAll(batch);
    model.dispose();
  });

  it('trains the encoder at its own learning rate: 0 leaves every encoder weight unchanged while the fusion weights move', async () => {
    for (const encoderRate of [0, 1e-2]) {
      const model = modelWith('single-stream', 2);
      const batch = batchFor(model);
      const optimizer = new AdamW({ learningRate: 1e-2, paramGroups: textLayerParamGroups(model.textLayers!, { learningRate: encoderRate }) });
      const before = new Map(model.weights.map((w) => [w.name, w.variable.dataSync().slice()]));
      const trainer = createTrainStep(model, { optimizer, rng: createRng(5), dropoutRng: createRng(6) });
      await trainer.step(batch);
      const changed = (name: string) => Array.from(model.getWeight(name).dataSync()).some((v, i) => v !== before.get(name)![i]);
      const encoder = encoderWeights(model).map((w) => w.name);
      const fusion = model.weightNames().filter((n) => n.includes('/'));
      if (encoderRate === 0) expect(encoder.filter(changed)).toEqual([]);
      else expect(encoder.filter((n) => !changed(n))).toEqual([]);
      // Fusion weights other than the unused parts all move at the fusion rate.
      expect(fusion.filter(changed).length).toBeGreaterThan(fusion.length * 0.8);
      optimizer.dispose();
      disposeAll(batch);
      model.dispose();
    }
  });

  it('one step changes each encoder weight by the AdamW step of its own rate (layer-wise decay)', async () => {
    const model = modelWith('concat', 2, { summary: 'pooled' });
    const batch = batchFor(model);
    const groups = textLayerParamGroups(model.textLayers!, { learningRate: 1e-3, layerDecay: 0.5 });
    expect(groups.map((g) => g.learningRate)).toEqual([2.5e-4, 5e-4, 1e-3]);
    const optimizer = new AdamW({ learningRate: 1e-2, weightDecay: 0, paramGroups: groups });
    const before = new Map(model.weights.map((w) => [w.name, w.variable.dataSync().slice()]));
    await createTrainStep(model, { optimizer, rng: createRng(5), dropoutRng: createRng(6) }).step(batch);
    // The first AdamW step moves each element by lr·g/(|g| + ε) ≈ ±lr wherever its gradient is not tiny.
    const largestMove = (name: string) => Math.max(...Array.from(model.getWeight(name).dataSync(), (v, i) => Math.abs(v - before.get(name)![i]!)));
    expect(largestMove('encoder.layer.1.output.dense.weight')).toBeCloseTo(2.5e-4, 6);
    expect(largestMove('encoder.layer.2.output.dense.weight')).toBeCloseTo(5e-4, 6);
    expect(largestMove('pooler.dense.weight')).toBeCloseTo(1e-3, 6);
    expect(largestMove('concat/dense/kernel')).toBeCloseTo(1e-2, 5);
    optimizer.dispose();
    disposeAll(batch);
    model.dispose();
  });

  it.each([2, 'all'] as const)('top %s: save → load restores the layers under their HF names and gives identical outputs', async (k) => {
    const dir = await mkdtemp(join(tmpdir(), 'fusion-text-layers-'));
    try {
      const model = modelWith('attention', k);
      const batch = batchFor(model);
      await createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-2 }), rng: createRng(1) }).step(batch);
      await model.save(dir);
      const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      expect(manifest.config.textLayers.trainableLayers).toBe(k);
      expect(manifest.weights.map((w: { name: string }) => w.name)).toContain('encoder.layer.2.attention.self.query.weight');
      const loaded = await loadFusionModel(dir);
      expect(loaded.weightNames()).toEqual(model.weightNames());
      for (const w of model.weights) expect(Array.from(loaded.getWeight(w.name).dataSync()), w.name).toEqual(Array.from(w.variable.dataSync()));
      const a = model.forward(batch, { itmPartner: PARTNER });
      const b = loaded.forward(batch, { itmPartner: PARTNER });
      expect(Array.from(b.classLogits.dataSync())).toEqual(Array.from(a.classLogits.dataSync()));
      expect(Array.from(b.matchLogits!.dataSync())).toEqual(Array.from(a.matchLogits!.dataSync()));
      tf.dispose([...Object.values(a), ...Object.values(b)].filter((t) => t instanceof tf.Tensor));
      disposeAll(batch);
      model.dispose();
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a saved model whose weights.bin lacks an encoder weight fails to load, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fusion-text-layers-bad-'));
    try {
      const model = modelWith('concat', 1);
      await model.save(dir);
      model.dispose();
      const path = join(dir, 'model.json');
      const manifest = JSON.parse(await readFile(path, 'utf8'));
      manifest.weights = manifest.weights.filter((w: { name: string }) => w.name !== 'encoder.layer.2.output.dense.bias');
      await import('node:fs/promises').then((fs) => fs.writeFile(path, JSON.stringify(manifest)));
      const err = await loadFusionModel(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MmauxFusionError);
      expect((err as MmauxFusionError).code).toBe('WEIGHT_MISMATCH');
      expect((err as Error).message).toContain('encoder.layer.2.output.dense.bias');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaks no tensor in forward, a train step or dispose', async () => {
    const start = tf.memory().numTensors;
    const model = modelWith('dual-stream', 2);
    const batch = batchFor(model);
    const optimizer = new AdamW({ learningRate: 1e-3, paramGroups: textLayerParamGroups(model.textLayers!, { learningRate: 1e-4 }) });
    const trainer = createTrainStep(model, { optimizer, rng: createRng(1) });
    await trainer.step(batch);
    const afterOne = tf.memory().numTensors;
    await trainer.step(batch);
    expect(tf.memory().numTensors).toBe(afterOne);
    const out = model.forward(batch, { itmPartner: PARTNER });
    tf.dispose(Object.values(out).filter((t) => t instanceof tf.Tensor));
    expect(tf.memory().numTensors).toBe(afterOne);
    optimizer.dispose();
    disposeAll(batch);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rejects a stack of another width, an image-only model, and a missing text input', () => {
    const wide = new TextEncoderLayers({ ...ENCODER, hiddenSize: 12, numHeads: 2 }, { trainableLayers: 1, rng: createRng(1) });
    expect(() => createFusionModel('concat', smallOptions({ textLayers: wide }))).toThrow(/textDim \(8\) must be the text encoder's hidden size \(12\)/);
    expect(() => createFusionModel('image-only', smallOptions({ textLayers: wide, textDim: 12 }))).toThrow(/image-only/);
    wide.dispose();
    const model = modelWith('concat', 1);
    const b = randomBatch(1, { n: 2, textLength: 3 });
    expect(() => model.forward({ image: b.image })).toThrow(/needs input.text = \{ hidden, mask \}/);
    disposeAll(b);
    model.dispose();
  });
});

describe('text encoder layers on wasm', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('cpu'));

  it('a train step runs and gives the cpu backend\'s loss', async () => {
    const losses: number[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await useBackend(backend);
      const model = modelWith('single-stream', 2);
      const batch = batchFor(model);
      const r = await createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-3 }), rng: createRng(1), dropoutRng: createRng(2) }).step(batch);
      losses.push(r.loss);
      disposeAll(batch);
      model.dispose();
    }
    expect(losses[0]).toBeCloseTo(losses[1]!, 4);
  });
});
