// TextEncoderLayers against an independent float64 re-implementation of HF's BertModel written
// here in plain JavaScript (loops, no tfjs): outputs, gradients against central finite
// differences of that reference, backends, loading, errors, leaks. The parity with real ONNX
// models through transformers.js is in @mmaux/encoders (test/hf-encoder-weights-parity.test.ts).
import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng } from '@mmaux/losses';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HfWeight,
  MmauxFusionError,
  TextEncoderLayers,
  type TextEncoderLayersConfig,
  textLayersConfigFromHf,
  textLayersWeightFilter,
  textLayerWeightSpecs,
} from '../src/index.js';
import { BACKENDS, useBackend } from './helpers.js';

// ---------------------------------------------------------------------------------------------
// float64 reference (HF modeling_bert.py / modeling_roberta.py, eval mode)

type Weights = Map<string, Float64Array>;

/** erf to ~1e-15: Taylor series below 3, the continued fraction of erfc above. */
function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 3) {
    let sum = 0;
    let term = x;
    for (let n = 0; n < 120 && Math.abs(term) > 1e-17; n++) {
      sum += term / (2 * n + 1);
      term = (-term * x * x) / (n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
}

const gelu = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

function lin(x: Float64Array, rows: number, w: Float64Array, b: Float64Array, out: number, inp: number): Float64Array {
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let acc = b[o]!;
      for (let i = 0; i < inp; i++) acc += x[r * inp + i]! * w[o * inp + i]!;
      y[r * out + o] = acc;
    }
  }
  return y;
}

function norm(x: Float64Array, rows: number, h: number, g: Float64Array, b: Float64Array, eps: number): Float64Array {
  const y = new Float64Array(rows * h);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < h; i++) mean += x[r * h + i]! / h;
    let v = 0;
    for (let i = 0; i < h; i++) v += (x[r * h + i]! - mean) ** 2 / h;
    for (let i = 0; i < h; i++) y[r * h + i] = ((x[r * h + i]! - mean) / Math.sqrt(v + eps)) * g[i]! + b[i]!;
  }
  return y;
}

function refLayer(c: TextEncoderLayersConfig, W: Weights, i: number, x: Float64Array, mask: number[], n: number, t: number): Float64Array {
  const h = c.hiddenSize;
  const heads = c.numHeads;
  const d = h / heads;
  const p = `encoder.layer.${i}`;
  const get = (k: string) => W.get(`${p}.${k}`)!;
  const m = n * t;
  const q = lin(x, m, get('attention.self.query.weight'), get('attention.self.query.bias'), h, h);
  const k = lin(x, m, get('attention.self.key.weight'), get('attention.self.key.bias'), h, h);
  const v = lin(x, m, get('attention.self.value.weight'), get('attention.self.value.bias'), h, h);
  const ctx = new Float64Array(m * h);
  for (let b = 0; b < n; b++) {
    for (let hd = 0; hd < heads; hd++) {
      for (let qi = 0; qi < t; qi++) {
        const s: number[] = [];
        for (let kj = 0; kj < t; kj++) {
          if (mask[b * t + kj] !== 1) {
            s.push(-Infinity); // padded keys take no weight
            continue;
          }
          let dot = 0;
          for (let e = 0; e < d; e++) dot += q[(b * t + qi) * h + hd * d + e]! * k[(b * t + kj) * h + hd * d + e]!;
          s.push(dot / Math.sqrt(d));
        }
        const mx = Math.max(...s);
        const ex = s.map((z) => Math.exp(z - mx));
        const sum = ex.reduce((a2, b2) => a2 + b2, 0);
        for (let kj = 0; kj < t; kj++) {
          for (let e = 0; e < d; e++) ctx[(b * t + qi) * h + hd * d + e]! += (ex[kj]! / sum) * v[(b * t + kj) * h + hd * d + e]!;
        }
      }
    }
  }
  const a = lin(ctx, m, get('attention.output.dense.weight'), get('attention.output.dense.bias'), h, h);
  for (let z = 0; z < a.length; z++) a[z]! += x[z]!;
  const h1 = norm(a, m, h, get('attention.output.LayerNorm.weight'), get('attention.output.LayerNorm.bias'), c.layerNormEps);
  const f = lin(h1, m, get('intermediate.dense.weight'), get('intermediate.dense.bias'), c.intermediateSize, h);
  const act = c.hiddenAct === 'gelu' ? gelu : geluTanh;
  for (let z = 0; z < f.length; z++) f[z] = act(f[z]!);
  const o = lin(f, m, get('output.dense.weight'), get('output.dense.bias'), h, c.intermediateSize);
  for (let z = 0; z < o.length; z++) o[z]! += h1[z]!;
  return norm(o, m, h, get('output.LayerNorm.weight'), get('output.LayerNorm.bias'), c.layerNormEps);
}

interface RefInput {
  hidden?: Float64Array;
  ids?: number[];
  types?: number[];
  mask: number[];
  n: number;
  t: number;
}

/** HF's BertModel / RobertaModel from `first` on: hidden states after each layer and the pooler output. */
function reference(c: TextEncoderLayersConfig, W: Weights, first: number, input: RefInput): { states: Float64Array[]; pooled: Float64Array } {
  const { n, t, mask } = input;
  const h = c.hiddenSize;
  let x: Float64Array;
  if (input.ids) {
    x = new Float64Array(n * t * h);
    for (let b = 0; b < n; b++) {
      let count = 0;
      for (let j = 0; j < t; j++) {
        const id = input.ids[b * t + j]!;
        // RoBERTa's create_position_ids_from_input_ids, BERT's arange
        const pos = c.architecture === 'bert' ? j : id !== c.padTokenId ? ++count + c.padTokenId : c.padTokenId;
        const type = input.types?.[b * t + j] ?? 0;
        for (let e = 0; e < h; e++) {
          x[(b * t + j) * h + e] =
            W.get('embeddings.word_embeddings.weight')![id * h + e]! +
            W.get('embeddings.position_embeddings.weight')![pos * h + e]! +
            W.get('embeddings.token_type_embeddings.weight')![type * h + e]!;
        }
      }
    }
    x = norm(x, n * t, h, W.get('embeddings.LayerNorm.weight')!, W.get('embeddings.LayerNorm.bias')!, c.layerNormEps);
  } else {
    x = input.hidden!;
  }
  const states = [x];
  for (let i = first; i < c.numLayers; i++) states.push((x = refLayer(c, W, i, x, mask, n, t)));
  const cls = new Float64Array(n * h);
  for (let b = 0; b < n; b++) cls.set(x.subarray(b * t * h, b * t * h + h), b * h);
  const pooled = lin(cls, n, W.get('pooler.dense.weight')!, W.get('pooler.dense.bias')!, h, h).map(Math.tanh);
  return { states, pooled };
}

// ---------------------------------------------------------------------------------------------
// fixtures

const BERT = textLayersConfigFromHf({
  model_type: 'bert', hidden_size: 32, num_attention_heads: 2, intermediate_size: 48, num_hidden_layers: 3,
  vocab_size: 40, max_position_embeddings: 16, type_vocab_size: 2,
});
const ROBERTA = textLayersConfigFromHf({
  model_type: 'xlm-roberta', hidden_size: 24, num_attention_heads: 3, intermediate_size: 40, num_hidden_layers: 2,
  vocab_size: 30, max_position_embeddings: 12, type_vocab_size: 1, layer_norm_eps: 1e-5,
});
const TANH = { ...ROBERTA, hiddenAct: 'gelu_tanh' as const };

function gaussian(rng: Rng, size: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = mean + std * Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  return out;
}

/** Checkpoint-like weights (scales large enough that every part of the computation matters), with a `prefix`. */
function checkpoint(c: TextEncoderLayersConfig, seed: number, prefix = ''): Map<string, HfWeight> {
  const rng = createRng(seed);
  const out = new Map<string, HfWeight>();
  for (const s of textLayerWeightSpecs(c, 'all')) {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const data = s.init === 'ones' ? gaussian(rng, size, 0.2, 1) : s.init === 'zeros' ? gaussian(rng, size, 0.1) : gaussian(rng, size, s.shape.length === 2 && !s.name.includes('embeddings') ? 1.2 / Math.sqrt(s.shape[1]!) : 0.8);
    out.set(prefix + s.name, { shape: s.shape, data });
  }
  return out;
}

const f64 = (w: Map<string, HfWeight>): Weights => new Map([...w].map(([k, v]) => [k.replace(/^(bert|roberta)\./, ''), Float64Array.from(v.data)]));

/** A batch of 3: lengths t, t − 2 and 2 (padding on the right). */
function batch(c: TextEncoderLayersConfig, t: number, seed: number) {
  const rng = createRng(seed);
  const lengths = [t, t - 2, 2];
  const mask = lengths.flatMap((len) => Array.from({ length: t }, (_, j) => (j < len ? 1 : 0)));
  const pad = c.padTokenId;
  const ids = mask.map((m) => (m ? (pad + 1 + Math.floor(rng() * (c.vocabSize - pad - 1))) : pad));
  // A real token that is the pad id: RoBERTa's positions skip it (they count ids ≠ pad, not the mask).
  ids[t + 1] = pad;
  const types = mask.map((m, k) => (c.typeVocabSize > 1 && m && k % t >= 3 ? 1 : 0));
  const hidden = gaussian(rng, 3 * t * c.hiddenSize, 1);
  return { n: 3, t, mask, ids, types, hidden };
}

const realRows = (x: ArrayLike<number>, mask: number[], h: number) => mask.flatMap((m, r) => (m ? Array.from({ length: h }, (_, e) => x[r * h + e] as number) : []));

function maxRelErr(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i] as number));
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(actual.length).toBe(expected.length);
  return err / Math.max(scale, 1e-12);
}

// ---------------------------------------------------------------------------------------------

describe.each(BACKENDS)('TextEncoderLayers on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it.each([
    ['bert', BERT],
    ['xlm-roberta', ROBERTA],
    ['xlm-roberta, tanh GELU', TANH],
  ] as const)("%s: 'all' from token ids equals the float64 reference at every layer, padding included", (_name, config) => {
    const weights = checkpoint(config, 11);
    const b = batch(config, 7, 12);
    const stack = new TextEncoderLayers(config, { trainableLayers: 'all', weights });
    const inputIds = tf.tensor2d(b.ids, [b.n, b.t], 'int32');
    const tokenTypeIds = tf.tensor2d(b.types, [b.n, b.t], 'int32');
    const mask = tf.tensor2d(b.mask, [b.n, b.t]);
    const out = stack.forward({ inputIds, mask, tokenTypeIds }, { hiddenStates: true });
    const ref = reference(config, f64(weights), 0, { ids: b.ids, types: b.types, mask: b.mask, n: b.n, t: b.t });
    expect(out.hidden.shape).toEqual([3, 7, config.hiddenSize]);
    expect(out.hiddenStates!.length).toBe(config.numLayers + 1);
    out.hiddenStates!.forEach((s, i) => expect(maxRelErr(realRows(s.dataSync(), b.mask, config.hiddenSize), realRows(ref.states[i]!, b.mask, config.hiddenSize)), `state ${i}`).toBeLessThan(2e-6));
    expect(maxRelErr(out.pooled!.dataSync(), ref.pooled)).toBeLessThan(2e-6);
    tf.dispose([inputIds, tokenTypeIds, mask, out.hidden, out.pooled!, ...out.hiddenStates!]);
    stack.dispose();
  });

  it('a top-k stack fed the hidden state entering layer L − k equals the whole model (k = 0 … L)', () => {
    const weights = checkpoint(BERT, 21, 'bert.');
    const b = batch(BERT, 6, 22);
    const mask = tf.tensor2d(b.mask, [b.n, b.t]);
    const inputIds = tf.tensor2d(b.ids, [b.n, b.t], 'int32');
    const full = new TextEncoderLayers(BERT, { trainableLayers: 'all', weights });
    const whole = full.forward({ inputIds, mask }, { hiddenStates: true });
    for (let k = 0; k <= BERT.numLayers; k++) {
      const top = new TextEncoderLayers(BERT, { trainableLayers: k, weights });
      expect(top.firstLayer).toBe(BERT.numLayers - k);
      const out = top.forward({ hidden: whole.hiddenStates![BERT.numLayers - k]!, mask });
      expect(maxRelErr(out.hidden.dataSync(), whole.hidden.dataSync()), `k = ${k}`).toBeLessThan(1e-6);
      expect(maxRelErr(out.pooled!.dataSync(), whole.pooled!.dataSync()), `k = ${k}`).toBeLessThan(1e-6);
      tf.dispose([out.hidden, out.pooled!]);
      top.dispose();
    }
    tf.dispose([mask, inputIds, whole.hidden, whole.pooled!, ...whole.hiddenStates!]);
    full.dispose();
  });

  it('gradients reach every weight of the stack and match central differences of the float64 reference', () => {
    for (const [config, k] of [[BERT, 2], [ROBERTA, 'all']] as const) {
      const weights = checkpoint(config, 31);
      const b = batch(config, 5, 32);
      const stack = new TextEncoderLayers(config, { trainableLayers: k, weights });
      const rng = createRng(33);
      const h = config.hiddenSize;
      const r1 = gaussian(rng, b.n * b.t * h, 1).map((v, z) => (b.mask[Math.floor(z / h)] ? v : 0)); // real tokens only
      const r2 = gaussian(rng, b.n * h, 1);
      const mask = tf.tensor2d(b.mask, [b.n, b.t]);
      const hidden = tf.tensor3d(b.hidden, [b.n, b.t, h]);
      const inputIds = tf.tensor2d(b.ids, [b.n, b.t], 'int32');
      const input = k === 'all' ? { inputIds, mask } : { hidden, mask };
      const w1 = tf.tensor3d(r1, [b.n, b.t, h]);
      const w2 = tf.tensor2d(r2, [b.n, h]);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => {
        const out = stack.forward(input);
        return tf.add(tf.sum(tf.mul(out.hidden, w1)), tf.sum(tf.mul(out.pooled!, w2))) as tf.Scalar;
      }, stack.namedWeights().map((w) => w.variable));
      expect(Object.keys(grads).length).toBe(stack.namedWeights().length);
      const loss = (W: Weights) => {
        const ref = reference(config, W, stack.firstLayer, k === 'all' ? { ids: b.ids, mask: b.mask, n: b.n, t: b.t } : { hidden: Float64Array.from(b.hidden), mask: b.mask, n: b.n, t: b.t });
        let s = 0;
        ref.states.at(-1)!.forEach((v, z) => (s += v * r1[z]!));
        ref.pooled.forEach((v, z) => (s += v * r2[z]!));
        return s;
      };
      const W = f64(weights);
      expect(Math.abs(value.dataSync()[0]! - loss(W))).toBeLessThan(1e-4 * Math.abs(loss(W)) + 1e-4);
      const pick = createRng(34);
      for (const { name, variable } of stack.namedWeights()) {
        const g = grads[variable.name]!.dataSync();
        const table = W.get(name)!;
        // A few coordinates per weight; for the embedding tables, rows the batch uses and one it does not.
        const coords = Array.from({ length: 3 }, () => Math.floor(pick() * table.length));
        if (name === 'embeddings.word_embeddings.weight') coords.splice(0, 3, b.ids[0]! * h + 1, b.ids[4]! * h + 2, 0 * h + 3);
        let scale = 0;
        for (const v of g) scale = Math.max(scale, Math.abs(v));
        for (const c of coords) {
          const eps = 1e-5;
          const keep = table[c]!;
          table[c] = keep + eps;
          const up = loss(W);
          table[c] = keep - eps;
          const down = loss(W);
          table[c] = keep;
          const fd = (up - down) / (2 * eps);
          expect(Math.abs(g[c]! - fd), `${name}[${c}]: tfjs ${g[c]}, finite differences ${fd}`).toBeLessThanOrEqual(2e-3 * Math.abs(fd) + 2e-4 * scale + 1e-6);
        }
      }
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before); // the forward and backward passes leak nothing
      tf.dispose([mask, hidden, inputIds, w1, w2]);
      stack.dispose();
    }
  });

  it('padding is removed inside the stack: padded output rows are 0, real rows as the reference (every state)', () => {
    const weights = checkpoint(BERT, 25);
    const b = batch(BERT, 6, 26);
    const mask = tf.tensor2d(b.mask, [b.n, b.t]);
    const hidden = tf.tensor3d(b.hidden, [b.n, b.t, 32]);
    const stack = new TextEncoderLayers(BERT, { trainableLayers: 2, weights });
    const out = stack.forward({ hidden, mask }, { hiddenStates: true });
    const ref = reference(BERT, f64(weights), stack.firstLayer, { hidden: Float64Array.from(b.hidden), mask: b.mask, n: b.n, t: b.t });
    const padded = (x: ArrayLike<number>) => b.mask.flatMap((m, r) => (m ? [] : Array.from({ length: 32 }, (_, e) => x[r * 32 + e] as number)));
    expect(padded(out.hidden.dataSync()).every((v) => v === 0)).toBe(true);
    out.hiddenStates!.slice(1).forEach((s, i) => {
      expect(padded(s.dataSync()).every((v) => v === 0), `state ${i + 1}`).toBe(true);
      expect(maxRelErr(realRows(s.dataSync(), b.mask, 32), realRows(ref.states[i + 1]!, b.mask, 32)), `state ${i + 1}`).toBeLessThan(2e-6);
    });
    tf.dispose([mask, hidden, out.hidden, out.pooled!, ...out.hiddenStates!]);
    stack.dispose();
  });

  it('firstTokenOnly: the first token of the full output, and the same gradients for a loss on it and the pooled vector', () => {
    // BERT: head width 16 (wasm's SIMD head kernels); XLM-R: width 8 (plain ops), from token ids.
    for (const [config, k] of [[BERT, 2], [BERT, 1], [ROBERTA, 'all']] as const) {
      const weights = checkpoint(config, 27);
      const b = batch(config, 6, 28);
      const h = config.hiddenSize;
      const mask = tf.tensor2d(b.mask, [b.n, b.t]);
      const hidden = tf.tensor3d(b.hidden, [b.n, b.t, h]);
      const inputIds = tf.tensor2d(b.ids, [b.n, b.t], 'int32');
      const input = k === 'all' ? { inputIds, mask } : { hidden, mask };
      const stack = new TextEncoderLayers(config, { trainableLayers: k, weights });
      const w1 = tf.tensor2d(gaussian(createRng(29), b.n * h, 1), [b.n, h]);
      const w2 = tf.tensor2d(gaussian(createRng(30), b.n * h, 1), [b.n, h]);
      const full = stack.forward(input);
      const first = stack.forward(input, { firstTokenOnly: true });
      expect(first.hidden.shape).toEqual([b.n, 1, h]);
      const row0 = tf.tidy(() => tf.slice(full.hidden, [0, 0, 0], [b.n, 1, h]));
      expect(maxRelErr(first.hidden.dataSync(), row0.dataSync())).toBeLessThan(1e-5);
      expect(maxRelErr(first.pooled!.dataSync(), full.pooled!.dataSync())).toBeLessThan(1e-5);
      const variables = stack.namedWeights().map((w) => w.variable);
      const gradsOf = (firstTokenOnly: boolean) => {
        const before = tf.memory().numTensors;
        const { value, grads } = tf.variableGrads(() => {
          const out = stack.forward(input, { firstTokenOnly });
          const cls = tf.reshape(tf.slice(out.hidden, [0, 0, 0], [b.n, 1, h]), [b.n, h]);
          return tf.add(tf.sum(tf.mul(cls, w1)), tf.sum(tf.mul(out.pooled!, w2))) as tf.Scalar;
        }, variables);
        expect(tf.memory().numTensors).toBe(before + 1 + Object.keys(grads).length); // nothing else left behind
        const result = stack.namedWeights().map((w) => Array.from(grads[w.variable.name]!.dataSync()));
        tf.dispose([value, ...Object.values(grads)]);
        return result;
      };
      const a = gradsOf(false);
      const g = gradsOf(true);
      const scale = Math.max(...a.map((x) => Math.max(...x.map(Math.abs))));
      a.forEach((x, i) => x.forEach((v, j) => expect(Math.abs(g[i]![j]! - v), `${stack.namedWeights()[i]!.name}[${j}]`).toBeLessThan(1e-4 * Math.max(Math.abs(v), 0.01 * scale))));
      // training mode runs (dropout from the generator, fewer attention draws)
      const trained = stack.forward(input, { firstTokenOnly: true, training: true, rng: createRng(4) });
      expect(trained.hidden.shape).toEqual([b.n, 1, h]);
      tf.dispose([mask, hidden, inputIds, w1, w2, full.hidden, full.pooled!, first.hidden, first.pooled!, row0, trained.hidden, trained.pooled!]);
      stack.dispose();
    }
  });

  it('only the top k layers (and the pooler) are variables: the frozen layers get no gradient because they are not there', () => {
    const weights = checkpoint(BERT, 41);
    const top = new TextEncoderLayers(BERT, { trainableLayers: 1, weights });
    const names = top.namedWeights().map((w) => w.name);
    expect(names.every((n) => n.startsWith('encoder.layer.2.') || n.startsWith('pooler.'))).toBe(true);
    expect(names.length).toBe(18);
    expect(top.weightGroups().map((g) => [g.depth, g.weights.length])).toEqual([[3, 16], [4, 2]]);
    const all = new TextEncoderLayers(BERT, { trainableLayers: 'all', weights, pooler: false });
    expect(all.weightGroups().map((g) => g.depth)).toEqual([0, 1, 2, 3]);
    expect(all.namedWeights().some((w) => w.name.startsWith('pooler.'))).toBe(false);
    const hidden = tf.randomNormal([2, 4, 32], 0, 1, 'float32', 1) as tf.Tensor3D;
    const mask = tf.ones([2, 4]) as tf.Tensor2D;
    const { grads, value } = tf.variableGrads(() => tf.sum(top.forward({ hidden, mask }).hidden) as tf.Scalar, top.namedWeights().map((w) => w.variable));
    // the pooler is not on the path from the hidden output: it gets no gradient, the layer does
    expect(Object.keys(grads).length).toBe(16);
    tf.dispose([hidden, mask, value, ...Object.values(grads)]);
    top.dispose();
    all.dispose();
  });

  it("freezeWordEmbeddings: the word table is held but not trainable, and gets no gradient; outputs unchanged", () => {
    const weights = checkpoint(ROBERTA, 45);
    const b = batch(ROBERTA, 5, 46);
    const frozen = new TextEncoderLayers(ROBERTA, { trainableLayers: 'all', weights, freezeWordEmbeddings: true });
    const free = new TextEncoderLayers(ROBERTA, { trainableLayers: 'all', weights });
    const table = frozen.namedWeights()[0]!;
    expect([table.name, table.variable.trainable]).toEqual(['embeddings.word_embeddings.weight', false]);
    expect(frozen.namedWeights().slice(1).every((w) => w.variable.trainable)).toBe(true);
    expect(frozen.weightGroups()[0]!.weights.map((w) => w.name)).not.toContain('embeddings.word_embeddings.weight');
    const mask = tf.tensor2d(b.mask, [b.n, b.t]);
    const inputIds = tf.tensor2d(b.ids, [b.n, b.t], 'int32');
    const trainable = frozen.namedWeights().filter((w) => w.variable.trainable).map((w) => w.variable);
    const { value, grads } = tf.variableGrads(() => tf.sum(frozen.forward({ inputIds, mask }).pooled!) as tf.Scalar, trainable);
    expect(grads[table.variable.name]).toBeUndefined();
    expect(Object.keys(grads).length).toBe(trainable.length);
    const reference = free.forward({ inputIds, mask });
    expect(value.dataSync()[0]).toBeCloseTo(tf.sum(reference.pooled!).dataSync()[0]!, 5);
    tf.dispose([mask, inputIds, value, ...Object.values(grads), reference.hidden, reference.pooled!]);
    frozen.dispose();
    free.dispose();
  });

  it('training mode: dropout from the generator (same seed, same output), none without it; rates of 0 equal eval mode', () => {
    const weights = checkpoint(BERT, 51);
    const b = batch(BERT, 6, 52);
    const mask = tf.tensor2d(b.mask, [b.n, b.t]);
    const hidden = tf.tensor3d(b.hidden, [b.n, b.t, 32]);
    const stack = new TextEncoderLayers(BERT, { trainableLayers: 2, weights });
    const run = (seed: number | null, s = stack) => {
      const out = s.forward({ hidden, mask }, seed === null ? {} : { training: true, rng: createRng(seed) });
      const v = Array.from(out.pooled!.dataSync());
      tf.dispose([out.hidden, out.pooled!]);
      return v;
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(run(1)).not.toEqual(run(null));
    const noDrop = new TextEncoderLayers({ ...BERT, hiddenDropout: 0, attentionDropout: 0 }, { trainableLayers: 2, weights });
    expect(run(1, noDrop)).toEqual(run(null, noDrop));
    expect(() => stack.forward({ hidden, mask }, { training: true })).toThrow(/needs options\.rng/);
    tf.dispose([mask, hidden]);
    stack.dispose();
    noDrop.dispose();
  });

  it('stateDict → new stack: identical outputs (save → load)', async () => {
    const weights = checkpoint(ROBERTA, 61, 'roberta.');
    const b = batch(ROBERTA, 5, 62);
    const mask = tf.tensor2d(b.mask, [b.n, b.t]);
    const hidden = tf.tensor3d(b.hidden, [b.n, b.t, 24]);
    const a = new TextEncoderLayers(ROBERTA, { trainableLayers: 1, weights });
    // move the weights off the checkpoint, as training would
    for (const { variable } of a.namedWeights()) tf.tidy(() => variable.assign(tf.add(variable, tf.randomNormal(variable.shape, 0, 0.01, 'float32', 3))));
    const saved = await a.stateDict();
    expect([...saved.keys()]).toEqual(a.namedWeights().map((w) => w.name));
    const b2 = new TextEncoderLayers(ROBERTA, { trainableLayers: 1, weights: saved });
    const oa = a.forward({ hidden, mask });
    const ob = b2.forward({ hidden, mask });
    expect(Array.from(ob.hidden.dataSync())).toEqual(Array.from(oa.hidden.dataSync()));
    expect(Array.from(ob.pooled!.dataSync())).toEqual(Array.from(oa.pooled!.dataSync()));
    tf.dispose([mask, hidden, oa.hidden, oa.pooled!, ob.hidden, ob.pooled!]);
    a.dispose();
    b2.dispose();
    await expect(a.stateDict()).rejects.toThrow(/disposed/);
  });
});

describe('wasm and cpu agree', () => {
  it('forward, training with dropout (same generator) and gradients, on head widths 16 (SIMD kernels) and 8', async () => {
    const runOn = async (backend: 'wasm' | 'cpu', config: TextEncoderLayersConfig) => {
      await useBackend(backend);
      const weights = checkpoint(config, 71);
      const b = batch(config, 6, 72);
      const stack = new TextEncoderLayers(config, { trainableLayers: 'all', weights });
      const mask = tf.tensor2d(b.mask, [b.n, b.t]);
      const inputIds = tf.tensor2d(b.ids, [b.n, b.t], 'int32');
      const { value, grads } = tf.variableGrads(() => {
        const out = stack.forward({ inputIds, mask }, { training: true, rng: createRng(5) });
        return tf.add(tf.sum(tf.square(out.hidden)), tf.sum(out.pooled!)) as tf.Scalar;
      }, stack.namedWeights().map((w) => w.variable));
      const result = { loss: value.dataSync()[0]!, grads: stack.namedWeights().map((w) => Array.from(grads[w.variable.name]!.dataSync())) };
      tf.dispose([value, ...Object.values(grads), mask, inputIds]);
      stack.dispose();
      return result;
    };
    for (const config of [BERT, { ...BERT, numHeads: 4 }]) {
      const w = await runOn('wasm', config);
      const c = await runOn('cpu', config);
      expect(Math.abs(w.loss - c.loss)).toBeLessThan(1e-4 * Math.abs(c.loss));
      // Against the largest gradient of the model: the key biases' true gradient is 0 (a softmax
      // ignores a shift shared by a row's scores), so theirs is rounding noise on both backends.
      const scale = Math.max(...c.grads.map((g) => Math.max(...g.map(Math.abs))));
      w.grads.forEach((g, i) => g.forEach((v, j) => expect(Math.abs(v - c.grads[i]![j]!)).toBeLessThan(1e-4 * Math.max(Math.abs(c.grads[i]![j]!), 0.01 * scale))));
    }
  });
});

describe('loading weights and errors', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });

  it('reads prefixed names and legacy LayerNorm gamma/beta; ignores tensors it does not hold', () => {
    const plain = checkpoint(BERT, 81);
    const legacy = new Map([...plain].map(([k, v]) => [`bert.${k.replace(/LayerNorm\.weight$/, 'LayerNorm.gamma').replace(/LayerNorm\.bias$/, 'LayerNorm.beta')}`, v]));
    legacy.set('cls.predictions.bias', { shape: [40], data: new Float32Array(40) });
    const before = tf.memory().numTensors;
    const a = new TextEncoderLayers(BERT, { trainableLayers: 'all', weights: Object.fromEntries(plain) });
    expect(tf.memory().numTensors).toBe(before + a.namedWeights().length); // the variables, nothing else
    const b = new TextEncoderLayers(BERT, { trainableLayers: 'all', weights: legacy });
    expect(b.initializedWeights).toEqual([]);
    a.namedWeights().forEach((w, i) => expect(Array.from(b.namedWeights()[i]!.variable.dataSync())).toEqual(Array.from(w.variable.dataSync())));
    a.dispose();
    b.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a checkpoint without a pooler (fill-mask RoBERTa/XLM-R) gets HF initial values from rng; anything else missing is an error', () => {
    const weights = checkpoint(ROBERTA, 91, 'roberta.');
    weights.delete('roberta.pooler.dense.weight');
    weights.delete('roberta.pooler.dense.bias');
    expect(() => new TextEncoderLayers(ROBERTA, { trainableLayers: 1, weights })).toThrow(/pass rng/);
    const stack = new TextEncoderLayers(ROBERTA, { trainableLayers: 1, weights, rng: createRng(1) });
    expect(stack.initializedWeights).toEqual(['pooler.dense.weight', 'pooler.dense.bias']);
    const [w, bias] = stack.namedWeights().slice(-2).map((x) => Array.from(x.variable.dataSync()));
    const std = Math.sqrt(w!.reduce((s, v) => s + v * v, 0) / w!.length);
    expect(std).toBeGreaterThan(0.015);
    expect(std).toBeLessThan(0.025); // initializer_range 0.02
    expect(bias!.every((v) => v === 0)).toBe(true);
    stack.dispose();
    weights.delete('roberta.encoder.layer.1.output.dense.weight');
    const err = (() => {
      try {
        return new TextEncoderLayers(ROBERTA, { trainableLayers: 1, weights, rng: createRng(1) });
      } catch (e) {
        return e as MmauxFusionError;
      }
    })() as MmauxFusionError;
    expect(err.code).toBe('WEIGHT_MISMATCH');
    expect(err.message).toMatch(/lacks encoder\.layer\.1\.output\.dense\.weight/);
  });

  it('rejects a tensor of another shape, naming it and both shapes', () => {
    const weights = checkpoint(BERT, 101);
    weights.set('encoder.layer.2.intermediate.dense.weight', { shape: [32, 48], data: new Float32Array(32 * 48) });
    expect(() => new TextEncoderLayers(BERT, { trainableLayers: 1, weights })).toThrow(/encoder\.layer\.2\.intermediate\.dense\.weight has shape \[32, 48\].*needs \[48, 32\]/);
  });

  it('textLayersWeightFilter selects exactly the tensors the stack reads', () => {
    const weights = checkpoint(BERT, 111, 'bert.');
    const include = textLayersWeightFilter(BERT, 2);
    const picked = new Map([...weights].filter(([k]) => include(k)));
    expect(picked.size).toBe(2 * 16 + 2);
    const stack = new TextEncoderLayers(BERT, { trainableLayers: 2, weights: picked });
    stack.dispose();
    expect(textLayersWeightFilter(BERT, 2, { pooler: false })('bert.pooler.dense.bias')).toBe(false);
    expect(textLayersWeightFilter(BERT, 'all')('bert.embeddings.LayerNorm.gamma')).toBe(true);
  });

  it('bad inputs: typed errors whose messages name the value and the fix', () => {
    const weights = checkpoint(BERT, 121);
    const top = new TextEncoderLayers(BERT, { trainableLayers: 1, weights });
    const all = new TextEncoderLayers(BERT, { trainableLayers: 'all', weights });
    const hidden = tf.zeros([2, 3, 32]) as tf.Tensor3D;
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return `${(e as MmauxFusionError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(codeOf(() => top.forward({ hidden, mask: tf.tensor2d([[1, 1, 0], [0, 1, 1]]) }))).toMatch(/^INVALID_INPUT: .*mask\[1\]\[0\] is 0.*Pad on the right/);
    expect(codeOf(() => top.forward({ hidden, mask: tf.tensor2d([[1, 0.5, 0], [1, 1, 1]]) }))).toMatch(/^INVALID_INPUT: .*mask\[0\]\[1\] = 0.5/);
    expect(codeOf(() => top.forward({ hidden: tf.zeros([2, 3, 16]) as tf.Tensor3D, mask: tf.ones([2, 3]) as tf.Tensor2D }))).toMatch(/^INVALID_SHAPE: .*\[2, 3, 32\].*got \[2, 3, 16\]/);
    expect(codeOf(() => top.forward({ inputIds: tf.zeros([2, 3], 'int32') as tf.Tensor2D, mask: tf.ones([2, 3]) as tf.Tensor2D }))).toMatch(/^MISSING_INPUT: .*hidden state entering layer 2/);
    expect(codeOf(() => all.forward({ hidden, mask: tf.ones([2, 3]) as tf.Tensor2D }))).toMatch(/^MISSING_INPUT: .*'all'.*inputIds/);
    expect(codeOf(() => all.forward({ inputIds: tf.tensor2d([[2, 40, 3], [2, 5, 3]], [2, 3], 'int32'), mask: tf.ones([2, 3]) as tf.Tensor2D }))).toMatch(/^INVALID_INPUT: .*inputIds\[0\]\[1\] = 40 .*40 rows/);
    const long = tf.ones([1, 17], 'int32') as tf.Tensor2D;
    expect(codeOf(() => all.forward({ inputIds: long, mask: tf.ones([1, 17]) as tf.Tensor2D }))).toMatch(/^INVALID_INPUT: .*position id\[0\]\[16\] = 16.*max_position_embeddings = 16/);
    expect(codeOf(() => new TextEncoderLayers(BERT, { trainableLayers: 4, weights }))).toMatch(/^INVALID_OPTION: .*integer in \[0, 3\].*got 4/);
    expect(codeOf(() => new TextEncoderLayers(BERT, { trainableLayers: 1 }))).toMatch(/^INVALID_OPTION: .*no weights were given.*pass rng/);
    top.dispose();
    expect(codeOf(() => top.forward({ hidden, mask: tf.ones([2, 3]) as tf.Tensor2D }))).toMatch(/^DISPOSED/);
    all.dispose();
  });

  it('textLayersConfigFromHf: HF defaults per architecture; unsupported models and settings are named', () => {
    const bert = textLayersConfigFromHf({ model_type: 'bert' });
    expect(bert).toMatchObject({ hiddenSize: 768, numHeads: 12, intermediateSize: 3072, numLayers: 12, layerNormEps: 1e-12, vocabSize: 30522, maxPositions: 512, typeVocabSize: 2, padTokenId: 0, hiddenDropout: 0.1, attentionDropout: 0.1 });
    // roberta-base's own config.json
    const roberta = textLayersConfigFromHf({ model_type: 'roberta', vocab_size: 50265, max_position_embeddings: 514, type_vocab_size: 1, layer_norm_eps: 1e-5, pad_token_id: 1 });
    expect(roberta).toMatchObject({ architecture: 'roberta', maxPositions: 514, padTokenId: 1, layerNormEps: 1e-5 });
    expect(textLayersConfigFromHf({ model_type: 'roberta', hidden_act: 'gelu_new' }).hiddenAct).toBe('gelu_tanh');
    expect(() => textLayersConfigFromHf({ model_type: 'distilbert' })).toThrow(/model_type "distilbert" is not a BERT-family encoder/);
    expect(() => textLayersConfigFromHf({ model_type: 'bert', hidden_act: 'relu' })).toThrow(/hidden_act "relu" is not supported/);
    expect(() => textLayersConfigFromHf({ model_type: 'bert', position_embedding_type: 'relative_key' })).toThrow(/position_embedding_type "relative_key"/);
    expect(() => textLayersConfigFromHf({ model_type: 'bert', hidden_size: 30, num_attention_heads: 4 })).toThrow(/numHeads \(4\) must divide hiddenSize \(30\)/);
  });
});
