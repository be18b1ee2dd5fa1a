// A fusion model that owns ViT image encoder layers (issue 13, image half): gradients of the
// model's outputs reach every image-layer weight and match central finite differences, the lower
// layers are not held (so get none), the layers train at their own learning rate with layer
// decay, save → load restores identical outputs, nothing leaks; text and image layers together
// keep distinct names. The stack's numbers against HF's ViT are checked in @mmaux/encoders'
// parity tests (tiny ViT as ONNX through transformers.js).
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
  ImageEncoderLayers,
  type ImageEncoderLayersConfig,
  imageLayerParamGroups,
  imageLayersConfigFromHf,
  type ImageLayersPooling,
  loadFusionModel,
  MmauxFusionError,
  TextEncoderLayers,
  textLayersConfigFromHf,
} from '../src/index.js';
import { expectClose, gaussian, randomBatch, smallOptions, useBackend } from './helpers.js';

const VIT: ImageEncoderLayersConfig = imageLayersConfigFromHf({
  model_type: 'vit',
  hidden_size: 8,
  num_attention_heads: 2,
  intermediate_size: 16,
  num_hidden_layers: 3,
  image_size: 4,
  patch_size: 2,
  // Larger than ViT's 0.02, so that attention is far from uniform and every weight's gradient
  // is well above float32's finite-difference noise.
  initializer_range: 0.3,
});
const TOKENS = 5; // CLS + (4 / 2)² patches

function modelWith(kind: FusionKind, k: number, extra: { pooling?: ImageLayersPooling; itcSource?: 'pooled' | 'fusion'; summary?: 'first-token' | 'pooled' } = {}): FusionModel {
  const layers = new ImageEncoderLayers(VIT, { trainableLayers: k, pooling: extra.pooling ?? 'first', rng: createRng(11) });
  return createFusionModel(kind, smallOptions({ imageDim: 8, imageLayers: layers, ...(extra.itcSource ? { itcSource: extra.itcSource } : {}), ...(extra.summary ? { summary: extra.summary } : {}) }));
}

/** A batch whose image `patches` are the hidden state entering the stack. */
function batchFor(seed = 3) {
  return randomBatch(seed, { n: 6, textLength: 5, lengths: [5, 3, 4, 1, 5, 2], textDim: 8, imageDim: 8, patches: TOKENS });
}

function disposeAll(batch: { text?: object; image?: object }): void {
  tf.dispose([...Object.values(batch.text ?? {}), ...Object.values(batch.image ?? {})] as tf.Tensor[]);
}

const PARTNER = [1, 0, 2, 5, 4, 3];

/** A scalar of every output head with fixed random coefficients: Σ c⊙logits (+ e⊙imageEmbedding + m⊙matchLogits for two modalities). */
function outputScalar(model: FusionModel, batch: ReturnType<typeof batchFor>): tf.Scalar {
  return tf.tidy(() => {
    const unimodal = model.kind === 'image-only';
    const out = model.forward(unimodal ? { image: batch.image } : batch, unimodal ? {} : { itmPartner: PARTNER });
    const coef = (t: tf.Tensor, seed: number) => tf.sum(tf.mul(t, tf.tensor(gaussian(createRng(seed), t.size), t.shape)));
    const terms = [coef(out.classLogits, 1)];
    if (!unimodal) terms.push(coef(out.imageEmbedding!, 2), coef(out.matchLogits!, 3));
    return tf.addN(terms) as tf.Scalar;
  });
}

describe('a fusion model that owns image encoder layers', () => {
  beforeAll(() => useBackend('cpu'));

  it.each([
    ['concat', 2, { summary: 'pooled', pooling: 'pooler' }],
    ['attention', 1, {}],
    ['gmu', 3, { itcSource: 'pooled', pooling: 'mean' }],
    ['single-stream', 2, {}],
    ['dual-stream', 1, {}],
    ['image-only', 1, { summary: 'pooled', pooling: 'pooler' }],
    ['concat', 0, { summary: 'pooled', pooling: 'pooler' }],
  ] as const)('%s, top %s (%o): the gradient reaches every image-layer weight and matches finite differences', (kind, k, extra) => {
    const model = modelWith(kind, k, extra);
    const batch = batchFor();
    const named = model.imageLayers!.namedWeights();
    const pooler = 'pooling' in extra && extra.pooling === 'pooler' ? 2 : 0;
    expect(named.length).toBe(16 * k + 2 + pooler);
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
      // Every weight takes part, except the key bias: q·b_K is the same for every key, so the softmax cancels it.
      if (name.endsWith('attention.attention.key.bias')) expect(Math.abs(analytic), name).toBeLessThan(1e-5);
      else expect(Math.abs(analytic), name).toBeGreaterThan(1e-3);
      expect(Math.abs(analytic - numeric), `${name}: analytic ${analytic}, numeric ${numeric}`).toBeLessThanOrEqual(2e-2 * Math.abs(numeric) + 1e-2);
    }
    tf.dispose(Object.values(grads));
    disposeAll(batch);
    model.dispose();
  });

  it('holds only the top k layers (the lower ones are not weights: they get no gradient), reads every patch, takes { hidden } too', () => {
    const model = modelWith('concat', 1);
    const names = model.weightNames();
    expect(names.filter((n) => n.startsWith('vit.encoder.layer.2.'))).toHaveLength(16);
    expect(names.some((n) => n.startsWith('vit.encoder.layer.0.') || n.startsWith('vit.encoder.layer.1.') || n.startsWith('vit.embeddings.'))).toBe(false);
    expect(names).toContain('vit.layernorm.weight');
    expect(names).not.toContain('vit.pooler.dense.weight');
    expect(model.reads.imagePatches).toBe('all');
    const batch = batchFor();
    const a = model.forward(batch).classLogits;
    const b = model.forward({ text: batch.text, image: { hidden: batch.image.patches } }).classLogits;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const m = model.matchLogits(batch.text, { hidden: batch.image.patches });
    expect(m.shape).toEqual([6, 2]);
    tf.dispose([a, b, m]);
    disposeAll(batch);
    model.dispose();
  });

  it('feeds the fusion layers what the stack outputs: its last hidden state as the patches and its pooled vector', () => {
    const layers = new ImageEncoderLayers(VIT, { trainableLayers: 2, pooling: 'pooler', rng: createRng(4) });
    const reference = new ImageEncoderLayers(VIT, { trainableLayers: 2, pooling: 'pooler', rng: createRng(4) });
    const model = createFusionModel('concat', smallOptions({ imageDim: 8, imageLayers: layers, summary: 'pooled' }));
    const frozen = createFusionModel('concat', smallOptions({ imageDim: 8, summary: 'pooled' }));
    const batch = batchFor(9);
    const out = reference.forward({ hidden: batch.image.patches });
    const viaLayers = model.forward(batch).classLogits;
    const viaFeatures = frozen.forward({ text: batch.text, image: { patches: out.hidden, pooled: out.pooled } }).classLogits;
    expect(Array.from(viaLayers.dataSync())).toEqual(Array.from(viaFeatures.dataSync()));
    tf.dispose([viaLayers, viaFeatures, out.hidden, out.pooled]);
    disposeAll(batch);
    [model, frozen, reference].forEach((m) => m.dispose());
  });

  it('one step changes each image-layer weight by the AdamW step of its own rate (layer-wise decay); rate 0 leaves them unchanged', async () => {
    const model = modelWith('concat', 2, { summary: 'pooled', pooling: 'pooler' });
    const batch = batchFor();
    const groups = imageLayerParamGroups(model.imageLayers!, { learningRate: 1e-3, layerDecay: 0.5 });
    expect(groups.map((g) => g.learningRate)).toEqual([2.5e-4, 5e-4, 1e-3]);
    const optimizer = new AdamW({ learningRate: 1e-2, weightDecay: 0, paramGroups: groups });
    const before = new Map(model.weights.map((w) => [w.name, w.variable.dataSync().slice()]));
    await createTrainStep(model, { optimizer, rng: createRng(5), dropoutRng: createRng(6) }).step(batch);
    // The first AdamW step moves each element by lr·g/(|g| + ε) ≈ ±lr wherever its gradient is not tiny.
    const largestMove = (name: string) => Math.max(...Array.from(model.getWeight(name).dataSync(), (v, i) => Math.abs(v - before.get(name)![i]!)));
    expect(largestMove('vit.encoder.layer.1.output.dense.weight')).toBeCloseTo(2.5e-4, 6);
    expect(largestMove('vit.encoder.layer.2.output.dense.weight')).toBeCloseTo(5e-4, 6);
    expect(largestMove('vit.pooler.dense.weight')).toBeCloseTo(1e-3, 6);
    expect(largestMove('vit.layernorm.weight')).toBeCloseTo(1e-3, 6);
    expect(largestMove('concat/dense/kernel')).toBeCloseTo(1e-2, 5);
    optimizer.dispose();
    const still = modelWith('concat', 2, { summary: 'pooled', pooling: 'pooler' });
    const frozenRate = new AdamW({ learningRate: 1e-2, paramGroups: imageLayerParamGroups(still.imageLayers!, { learningRate: 0 }) });
    const values = still.imageLayers!.namedWeights().map((w) => w.variable.dataSync().slice());
    await createTrainStep(still, { optimizer: frozenRate, rng: createRng(5) }).step(batch);
    still.imageLayers!.namedWeights().forEach((w, i) => expect(Array.from(w.variable.dataSync()), w.name).toEqual(Array.from(values[i]!)));
    frozenRate.dispose();
    disposeAll(batch);
    model.dispose();
    still.dispose();
  });

  it('save → load restores the layers under their vit. names and gives identical outputs; with text layers too, every name is distinct', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fusion-image-layers-'));
    try {
      const textConfig = textLayersConfigFromHf({ model_type: 'bert', hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 3, vocab_size: 20, max_position_embeddings: 16 });
      const textLayers = new TextEncoderLayers(textConfig, { trainableLayers: 1, pooler: false, rng: createRng(3) });
      const imageLayers = new ImageEncoderLayers(VIT, { trainableLayers: 2, pooling: 'mean', rng: createRng(4) });
      const model = createFusionModel('attention', smallOptions({ imageDim: 8, textLayers, imageLayers }));
      expect(new Set(model.weightNames()).size).toBe(model.weightNames().length);
      const batch = batchFor();
      await createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-2 }), rng: createRng(1) }).step(batch);
      await model.save(dir);
      const manifest = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
      expect(manifest.config.imageLayers).toEqual({ encoder: { ...VIT }, trainableLayers: 2, pooling: 'mean' });
      expect(manifest.weights.map((w: { name: string }) => w.name)).toContain('vit.encoder.layer.1.attention.attention.query.weight');
      const loaded = await loadFusionModel(dir);
      expect(loaded.weightNames()).toEqual(model.weightNames());
      for (const w of model.weights) expect(Array.from(loaded.getWeight(w.name).dataSync()), w.name).toEqual(Array.from(w.variable.dataSync()));
      const a = model.forward(batch, { itmPartner: PARTNER });
      const b = loaded.forward(batch, { itmPartner: PARTNER });
      expect(Array.from(b.classLogits.dataSync())).toEqual(Array.from(a.classLogits.dataSync()));
      expect(Array.from(b.matchLogits!.dataSync())).toEqual(Array.from(a.matchLogits!.dataSync()));
      tf.dispose([...Object.values(a), ...Object.values(b)].filter((t) => t instanceof tf.Tensor));
      // A weights.bin without one image-layer tensor fails to load, naming it.
      manifest.weights = manifest.weights.filter((w: { name: string }) => w.name !== 'vit.encoder.layer.2.output.dense.bias');
      await writeFile(join(dir, 'model.json'), JSON.stringify(manifest));
      const err = await loadFusionModel(dir).catch((e: unknown) => e);
      expect((err as MmauxFusionError).code).toBe('WEIGHT_MISMATCH');
      expect((err as Error).message).toContain('vit.encoder.layer.2.output.dense.bias');
      disposeAll(batch);
      model.dispose();
      loaded.dispose();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaks no tensor in forward, a train step or dispose', async () => {
    const start = tf.memory().numTensors;
    const model = modelWith('attention', 2);
    const batch = batchFor();
    const optimizer = new AdamW({ learningRate: 1e-3, paramGroups: imageLayerParamGroups(model.imageLayers!, { learningRate: 1e-4 }) });
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

  it('rejects a stack of another width, a text-only model, an all-layers stack, and a missing image input', () => {
    const layers = new ImageEncoderLayers(VIT, { trainableLayers: 1, rng: createRng(1) });
    expect(() => createFusionModel('concat', smallOptions({ imageLayers: layers }))).toThrow(/imageDim \(6\) must be the image encoder's hidden size \(8\)/);
    expect(() => createFusionModel('text-only', smallOptions({ imageDim: 8, imageLayers: layers }))).toThrow(/text-only/);
    layers.dispose();
    const all = new ImageEncoderLayers(VIT, { trainableLayers: 'all', rng: createRng(1) });
    expect(() => createFusionModel('concat', smallOptions({ imageDim: 8, imageLayers: all }))).toThrow(/'all' read pixels/);
    all.dispose();
    const model = modelWith('concat', 1);
    const b = batchFor();
    expect(() => model.forward({ text: b.text })).toThrow(/needs input.image = \{ hidden \}/);
    disposeAll(b);
    model.dispose();
  });
});

describe('the image encoder layer stack', () => {
  beforeAll(() => useBackend('cpu'));

  it("'all' from pixels equals the embeddings computed by hand (conv = product with flattened patches) followed by the top-L stack", () => {
    const all = new ImageEncoderLayers(VIT, { trainableLayers: 'all', rng: createRng(8) });
    const state = new Map(all.namedWeights().map((w) => [w.name, { shape: [...w.variable.shape], data: w.variable.dataSync() as Float32Array }]));
    const top = new ImageEncoderLayers(VIT, { trainableLayers: VIT.numLayers, weights: state });
    const n = 2;
    const pixels = Float32Array.from(gaussian(createRng(5), n * 3 * 4 * 4));
    // By hand: patch (gy, gx) of image i, channel c, pixel (ky, kx) · W[d, c, ky, kx] + b[d].
    const w = state.get('vit.embeddings.patch_embeddings.projection.weight')!.data;
    const bias = state.get('vit.embeddings.patch_embeddings.projection.bias')!.data;
    const cls = state.get('vit.embeddings.cls_token')!.data;
    const pos = state.get('vit.embeddings.position_embeddings')!.data;
    const embedded = new Float32Array(n * TOKENS * 8);
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < 8; d++) embedded[(i * TOKENS) * 8 + d] = cls[d]! + pos[d]!;
      for (let gy = 0; gy < 2; gy++) {
        for (let gx = 0; gx < 2; gx++) {
          const token = 1 + gy * 2 + gx;
          for (let d = 0; d < 8; d++) {
            let s = bias[d]!;
            for (let c = 0; c < 3; c++) for (let ky = 0; ky < 2; ky++) for (let kx = 0; kx < 2; kx++) s += pixels[((i * 3 + c) * 4 + gy * 2 + ky) * 4 + gx * 2 + kx]! * w[((d * 3 + c) * 2 + ky) * 2 + kx]!;
            embedded[(i * TOKENS + token) * 8 + d] = s + pos[token * 8 + d]!;
          }
        }
      }
    }
    const px = tf.tensor4d(pixels, [n, 3, 4, 4]);
    const hidden = tf.tensor3d(embedded, [n, TOKENS, 8]);
    const a = all.forward({ pixelValues: px }, { hiddenStates: true });
    const b = top.forward({ hidden });
    const diff = (x: ArrayLike<number>, y: ArrayLike<number>) => Math.max(...Array.from(x, (v, k) => Math.abs(v - (y[k] as number))));
    expect(diff(a.hiddenStates![0]!.dataSync(), embedded)).toBeLessThan(1e-5);
    expect(diff(a.hidden.dataSync(), b.hidden.dataSync())).toBeLessThan(1e-5);
    expect(diff(a.pooled.dataSync(), b.pooled.dataSync())).toBeLessThan(1e-5);
    expect(a.hiddenStates).toHaveLength(VIT.numLayers + 1);
    tf.dispose([px, hidden, a.hidden, a.pooled, b.hidden, b.pooled, ...a.hiddenStates!]);
    all.dispose();
    top.dispose();
  });

  it('one layer equals a plain pre-LN transformer layer written with tfjs ops; pooling first / mean / pooler as documented', () => {
    const stack = new ImageEncoderLayers(VIT, { trainableLayers: 1, pooling: 'pooler', rng: createRng(2) });
    const p = (name: string) => stack.namedWeights().find((w) => w.name === `vit.${name}`)!.variable;
    const x = tf.tensor3d(gaussian(createRng(6), 3 * TOKENS * 8), [3, TOKENS, 8]);
    const expected = tf.tidy(() => {
      const ln = (t: tf.Tensor, name: string) => {
        const { mean, variance } = tf.moments(t, -1, true);
        return tf.add(tf.mul(tf.div(tf.sub(t, mean), tf.sqrt(tf.add(variance, 1e-12))), p(`${name}.weight`)), p(`${name}.bias`));
      };
      const lin = (t: tf.Tensor, name: string) => tf.add(tf.matMul(tf.reshape(t, [-1, t.shape[2]!]), p(`${name}.weight`), false, true), p(`${name}.bias`)).reshape([3, TOKENS, -1]);
      const l = 'encoder.layer.2';
      const a = ln(x, `${l}.layernorm_before`);
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [3, TOKENS, 2, 4]), [0, 2, 1, 3]);
      const q = heads(lin(a, `${l}.attention.attention.query`));
      const k = heads(lin(a, `${l}.attention.attention.key`));
      const v = heads(lin(a, `${l}.attention.attention.value`));
      const ctx = tf.reshape(tf.transpose(tf.matMul(tf.softmax(tf.div(tf.matMul(q, k, false, true), 2)), v), [0, 2, 1, 3]), [3, TOKENS, 8]);
      const h = tf.add(x, lin(ctx, `${l}.attention.output.dense`));
      const pre = lin(ln(h, `${l}.layernorm_after`), `${l}.intermediate.dense`);
      const gelu = tf.mul(tf.mul(pre, 0.5), tf.add(tf.erf(tf.div(pre, Math.SQRT2)), 1));
      return ln(tf.add(h, lin(gelu, `${l}.output.dense`)), 'layernorm');
    });
    const out = stack.forward({ hidden: x });
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
    expect(diff(out.hidden, expected)).toBeLessThan(1e-5);
    const cls = tf.slice(expected, [0, 0, 0], [3, 1, 8]).reshape([3, 8]);
    const pooled = tf.tanh(tf.add(tf.matMul(cls, p('pooler.dense.weight'), false, true), p('pooler.dense.bias')));
    expect(diff(out.pooled, pooled)).toBeLessThan(1e-5);
    const state = new Map(stack.namedWeights().map((w) => [w.name, { shape: [...w.variable.shape], data: w.variable.dataSync() as Float32Array }]));
    for (const [pooling, want] of [['first', cls], ['mean', tf.mean(tf.slice(expected, [0, 1, 0], [3, TOKENS - 1, 8]), 1)]] as const) {
      const s = new ImageEncoderLayers(VIT, { trainableLayers: 1, pooling, weights: state });
      const o = s.forward({ hidden: x });
      expect(diff(o.pooled, want), pooling).toBeLessThan(1e-5);
      tf.dispose([o.hidden, o.pooled]);
      s.dispose();
    }
    tf.dispose([x, expected, out.hidden, out.pooled, cls, pooled]);
    stack.dispose();
  });

  it('names what is wrong: an unsupported model type, k out of range, a missing or misshapen checkpoint tensor, pixels of another size', () => {
    expect(() => imageLayersConfigFromHf({ model_type: 'deit' })).toThrow(/model_type "deit" is not a ViT/);
    expect(() => imageLayersConfigFromHf({ model_type: 'vit', qkv_bias: false })).toThrow(/qkv_bias false/);
    expect(() => new ImageEncoderLayers(VIT, { trainableLayers: 4, rng: createRng(1) })).toThrow(/integer in \[0, 3\]/);
    const good = new ImageEncoderLayers(VIT, { trainableLayers: 1, rng: createRng(1) });
    const state = new Map(good.namedWeights().map((w) => [w.name.slice(4), { shape: [...w.variable.shape], data: w.variable.dataSync() as Float32Array }]));
    state.delete('encoder.layer.2.intermediate.dense.bias');
    expect(() => new ImageEncoderLayers(VIT, { trainableLayers: 1, weights: state })).toThrow(/lacks vit.encoder.layer.2.intermediate.dense.bias/);
    state.set('encoder.layer.2.intermediate.dense.bias', { shape: [15], data: new Float32Array(15) });
    expect(() => new ImageEncoderLayers(VIT, { trainableLayers: 1, weights: state })).toThrow(/encoder.layer.2.intermediate.dense.bias has shape \[15\]/);
    good.dispose();
    const all = new ImageEncoderLayers(VIT, { trainableLayers: 'all', rng: createRng(1) });
    const px = tf.zeros([1, 3, 8, 8]) as tf.Tensor4D;
    expect(() => all.forward({ pixelValues: px })).toThrow(/pixelValues must have shape \[N, 3, 4, 4\]/);
    px.dispose();
    all.dispose();
  });
});

describe('image encoder layers on wasm', () => {
  beforeAll(() => useBackend('wasm'));
  afterAll(() => useBackend('cpu'));

  it("a train step runs and gives the cpu backend's loss", async () => {
    const losses: number[] = [];
    for (const backend of ['wasm', 'cpu'] as const) {
      await useBackend(backend);
      const model = modelWith('attention', 2, { pooling: 'pooler', itcSource: 'pooled' });
      const batch = batchFor();
      const r = await createTrainStep(model, { optimizer: new AdamW({ learningRate: 1e-3 }), rng: createRng(1), dropoutRng: createRng(2) }).step(batch);
      losses.push(r.loss);
      disposeAll(batch);
      model.dispose();
    }
    expect(losses[0]).toBeCloseTo(losses[1]!, 4);
  });
});

/** Σ c⊙hidden[:, 0] + d⊙pooled of a stack's output, with fixed random coefficients. */
function firstRowScalar(out: { hidden: tf.Tensor3D; pooled: tf.Tensor2D }): tf.Scalar {
  const [n, , h] = out.hidden.shape;
  const first = tf.squeeze(tf.slice(out.hidden, [0, 0, 0], [n, 1, h]), [1]);
  const coef = (t: tf.Tensor, seed: number) => tf.sum(tf.mul(t, tf.tensor(gaussian(createRng(seed), t.size), t.shape)));
  return tf.add(coef(first, 21), coef(out.pooled, 22)) as tf.Scalar;
}

/** The stack's eval output and the gradients of {@link firstRowScalar} w.r.t. its weights, with or without `firstTokenOnly`. */
function stackRun(stack: ImageEncoderLayers, hidden: tf.Tensor3D, firstTokenOnly: boolean) {
  const out = stack.forward({ hidden }, { firstTokenOnly });
  const result = { shape: out.hidden.shape, first: tf.tidy(() => tf.slice(out.hidden, [0, 0, 0], [out.hidden.shape[0], 1, out.hidden.shape[2]]).dataSync()), pooled: out.pooled.dataSync() };
  tf.dispose([out.hidden, out.pooled]);
  const variables = stack.namedWeights().map((w) => w.variable);
  const { value, grads } = tf.variableGrads(() => firstRowScalar(stack.forward({ hidden }, { training: true, rng: createRng(5), firstTokenOnly })), variables);
  const gradValues = variables.map((v) => Float32Array.from(grads[v.name]!.dataSync()));
  tf.dispose([value, ...Object.values(grads)]);
  return { ...result, grads: gradValues };
}

/**
 * Wraps `model`'s image stack so that it records the token count of each output; with `full`, it
 * also ignores `firstTokenOnly`: the full path, as before the first-token option existed.
 */
function watchImagePath(model: FusionModel, full: boolean): number[] {
  const stack = model.imageLayers!;
  const forward = stack.forward.bind(stack);
  const tokens: number[] = [];
  stack.forward = (input, options = {}) => {
    const out = forward(input, full ? { ...options, firstTokenOnly: false } : options);
    tokens.push(out.hidden.shape[1]);
    return out;
  };
  return tokens;
}

describe('the image stack computing the last layer at the CLS token only (firstTokenOnly)', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it.each([
      [1, 'first'],
      [2, 'pooler'],
      [3, 'first'],
    ] as const)(`${backend}: top %s, pooling %s: [N, 1, H], row 0 of the full output, the same pooled vector and gradients; no leaks`, async (k, pooling) => {
      await useBackend(backend);
      const stack = new ImageEncoderLayers(VIT, { trainableLayers: k, pooling, rng: createRng(12) });
      const hidden = tf.randomNormal([4, TOKENS, 8], 0, 1, 'float32', 8) as tf.Tensor3D;
      const start = tf.memory().numTensors;
      const full = stackRun(stack, hidden, false);
      const first = stackRun(stack, hidden, true);
      expect(tf.memory().numTensors).toBe(start);
      expect(full.shape).toEqual([4, TOKENS, 8]);
      expect(first.shape).toEqual([4, 1, 8]);
      expectClose(first.first, full.first, 1e-5, 1e-5);
      expectClose(first.pooled, full.pooled, 1e-5, 1e-5);
      first.grads.forEach((g, i) => expectClose(g, full.grads[i]!, 1e-4, 1e-5));
      hidden.dispose();
      stack.dispose();
      await useBackend('cpu');
    });
  }

  it("keeps the full path for pooling 'mean' (it reads every patch) and at k = 0; hiddenStates ends with the CLS row", () => {
    const hidden = tf.randomNormal([3, TOKENS, 8], 0, 1, 'float32', 9) as tf.Tensor3D;
    const mean = new ImageEncoderLayers(VIT, { trainableLayers: 1, pooling: 'mean', rng: createRng(2) });
    const a = mean.forward({ hidden }, { firstTokenOnly: true });
    const b = mean.forward({ hidden });
    expect(a.hidden.shape).toEqual([3, TOKENS, 8]);
    expect(Array.from(a.pooled.dataSync())).toEqual(Array.from(b.pooled.dataSync()));
    const none = new ImageEncoderLayers(VIT, { trainableLayers: 0, pooling: 'first', rng: createRng(2) });
    const c = none.forward({ hidden }, { firstTokenOnly: true });
    expect(c.hidden.shape).toEqual([3, TOKENS, 8]);
    const two = new ImageEncoderLayers(VIT, { trainableLayers: 2, pooling: 'first', rng: createRng(2) });
    const d = two.forward({ hidden }, { firstTokenOnly: true, hiddenStates: true });
    expect(d.hiddenStates!.map((s) => s.shape)).toEqual([[3, TOKENS, 8], [3, TOKENS, 8], [3, 1, 8]]);
    tf.dispose([a.hidden, a.pooled, b.hidden, b.pooled, c.hidden, c.pooled, d.hidden, d.pooled, ...d.hiddenStates!, hidden]);
    [mean, none, two].forEach((s) => s.dispose());
  });

  it.each([
    ['concat', 1, { summary: 'first-token' }],
    ['concat', 2, { summary: 'pooled', pooling: 'pooler' }],
    ['gmu', 1, { itcSource: 'pooled' }],
    ['image-only', 2, { summary: 'first-token' }],
  ] as const)('a %s model, top %s (%o), reads the CLS row alone: same outputs, loss and gradients as the full path', async (kind, k, extra) => {
    const fast = modelWith(kind, k, extra);
    const full = modelWith(kind, k, extra);
    const fastTokens = watchImagePath(fast, false);
    const fullTokens = watchImagePath(full, true);
    const batch = batchFor(5);
    const start = tf.memory().numTensors;
    const run = (model: FusionModel) => {
      const weights = model.weights.map((w) => w.variable);
      const { value, grads } = tf.variableGrads(() => outputScalar(model, batch), weights);
      // Weights no output reads (e.g. an unused head) get no gradient: compare those that do, by name.
      const reached = model.weights.filter((w) => grads[w.variable.name] !== undefined);
      const result = { value: value.dataSync()[0]!, names: reached.map((w) => w.name), grads: reached.map((w) => Float32Array.from(grads[w.variable.name]!.dataSync())) };
      tf.dispose([value, ...Object.values(grads)]);
      return result;
    };
    const a = run(fast);
    const b = run(full);
    expect(tf.memory().numTensors).toBe(start);
    expect(a.value).toBeCloseTo(b.value, 4);
    expect(a.names).toEqual(b.names);
    expect(a.names.filter((name) => name.startsWith('vit.')).length).toBe(16 * k + 2 + ('pooling' in extra ? 2 : 0));
    a.grads.forEach((g, i) => expectClose(g, b.grads[i]!, 1e-4, 1e-5));
    // A train step (dropout on in the fusion layers, drawn alike): the same loss.
    const losses: number[] = [];
    for (const model of [fast, full]) {
      const optimizer = new AdamW({ learningRate: 1e-3 });
      const r = await createTrainStep(model, { optimizer, rng: createRng(1), dropoutRng: createRng(2) }).step(batch);
      losses.push(r.loss);
      optimizer.dispose();
    }
    expect(losses[0]).toBeCloseTo(losses[1]!, 5);
    expect(new Set(fastTokens)).toEqual(new Set([1]));
    expect(new Set(fullTokens)).toEqual(new Set([TOKENS]));
    disposeAll(batch);
    fast.dispose();
    full.dispose();
  });
});
