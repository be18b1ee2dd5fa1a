// Parity of @mmaux/fusion's trainable TextEncoderLayers, built from config.json +
// model.safetensors read by loadHfEncoderWeights, with the same model run as ONNX through
// transformers.js (this package's hf: text encoder, and transformers.js' AutoModel for the
// intermediate hidden states): tiny BERT, RoBERTa and XLM-R written by test/helpers/tiny-bert.ts,
// batches with padding and with a text truncated to maxLength, on the wasm and cpu backends.
//
// @mmaux/fusion is imported from its source by a relative path: it is not (yet) a devDependency
// of this package (it would be `"@mmaux/fusion": "workspace:^"`; fusion does not depend on
// encoders, so there is no cycle).
import { join } from 'node:path';
import { AutoModel, AutoTokenizer, env } from '@huggingface/transformers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { TextEncoderLayers, textLayersConfigFromHf, textLayersWeightFilter } from '../../fusion/src/text-layers/index.js';
import { createTextEncoder, loadHfEncoderWeights, type TextFeatures } from '../src/index.js';
import { type TinyBertSpec, writeTinyBert } from './helpers/tiny-bert.js';
import { tempDir } from './helpers/util.js';

const MAX_LENGTH = 12;
// Different lengths (padding), one text longer than MAX_LENGTH tokens (truncation), and one
// holding the pad token as a real token (RoBERTa's positions skip it: they count ids ≠ pad).
const TEXTS = ['the cat sat on the mat', 'a dog', 'this is not a good day so very sad and bad photo of my cat and dog', 'happy !', 'love this new photo', 'my <pad> dog'];
const TOLERANCE = 1e-4;

const SPECS: Record<string, TinyBertSpec> = {
  bert: { modelType: 'bert', hidden: 32, heads: 2, intermediate: 48, layers: 3, maxPositions: 24, layerNormEps: 1e-12, seed: 1 },
  roberta: { modelType: 'roberta', hidden: 32, heads: 4, intermediate: 40, layers: 3, maxPositions: 20, layerNormEps: 1e-5, seed: 2 },
  'xlm-roberta': { modelType: 'xlm-roberta', hidden: 48, heads: 3, intermediate: 64, layers: 2, maxPositions: 16, layerNormEps: 1e-5, seed: 3 },
};

const folders: Record<string, string> = {};

beforeAll(async () => {
  env.allowRemoteModels = false;
  const root = tempDir('parity');
  for (const [name, spec] of Object.entries(SPECS)) folders[name] = await writeTinyBert(join(root, name), spec);
});

type Tokens = { ids: number[]; mask: number[]; types: number[]; n: number; t: number };

async function tokenize(dir: string): Promise<Tokens> {
  const tokenizer = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  const enc = tokenizer(TEXTS, { padding: true, truncation: true, max_length: MAX_LENGTH });
  const [n, t] = enc.input_ids.dims as [number, number];
  const read = (x: { data: ArrayLike<bigint | number> } | undefined) => (x ? Array.from(x.data, Number) : new Array<number>(n * t).fill(0));
  return { ids: read(enc.input_ids), mask: read(enc.attention_mask), types: read(enc.token_type_ids), n, t };
}

/** Rows of real tokens of `[N, T, H]` values, concatenated. */
function realTokens(values: ArrayLike<number>, tok: Tokens, h: number): Float32Array {
  const out: number[] = [];
  for (let r = 0; r < tok.n * tok.t; r++) if (tok.mask[r] === 1) for (let e = 0; e < h; e++) out.push(values[r * h + e] as number);
  return Float32Array.from(out);
}

/** The encoder features' real tokens, row after row (the same order as {@link realTokens}). */
function featureTokens(f: TextFeatures): Float32Array {
  const { n, length, dim } = f.shape;
  const out: number[] = [];
  for (let r = 0; r < n * length; r++) if (f.mask[r] === 1) for (let e = 0; e < dim; e++) out.push(f.tokens[r * dim + e] as number);
  return Float32Array.from(out);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe.each(['wasm', 'cpu'] as const)('TextEncoderLayers equals the ONNX model through transformers.js (%s backend)', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    await tf.ready();
  });

  it.each(Object.keys(SPECS))("%s: 'all' from token ids: last hidden state at every real token and the pooler output, with padding and truncation", async (name) => {
    const dir = folders[name]!;
    const encoder = await createTextEncoder(`hf:${dir}`, { maxLength: MAX_LENGTH, pooling: 'pooler' });
    const features = await encoder.encode(TEXTS);
    await encoder.dispose();
    const tok = await tokenize(dir);
    // truncation happened: the long text fills MAX_LENGTH tokens, others are padded
    expect(tok.t).toBe(MAX_LENGTH);
    expect(tok.mask.slice(2 * MAX_LENGTH, 3 * MAX_LENGTH).every((m) => m === 1)).toBe(true);
    expect(tok.mask.slice(MAX_LENGTH, 2 * MAX_LENGTH).filter((m) => m === 1).length).toBe(4);
    if (name !== 'bert') expect(tok.ids.slice(5 * MAX_LENGTH, 5 * MAX_LENGTH + 5)).toEqual([0, expect.any(Number), 1, expect.any(Number), 2]);

    const loaded = await loadHfEncoderWeights(`hf:${dir}`);
    expect(loaded.skipped).toEqual([`${name === 'bert' ? 'bert' : 'roberta'}.embeddings.position_ids`]);
    const config = textLayersConfigFromHf(loaded.config);
    const stack = new TextEncoderLayers(config, { trainableLayers: 'all', weights: loaded.weights });
    expect(stack.initializedWeights).toEqual([]);
    const before = tf.memory().numTensors;
    const inputIds = tf.tensor2d(tok.ids, [tok.n, tok.t], 'int32');
    const mask = tf.tensor2d(tok.mask, [tok.n, tok.t]);
    const tokenTypeIds = tf.tensor2d(tok.types, [tok.n, tok.t], 'int32');
    const out = stack.forward({ inputIds, mask, tokenTypeIds });
    const h = config.hiddenSize;
    expect(maxAbsDiff(realTokens(out.hidden.dataSync(), tok, h), featureTokens(features))).toBeLessThan(TOLERANCE);
    expect(maxAbsDiff(out.pooled!.dataSync(), features.pooled)).toBeLessThan(TOLERANCE);
    tf.dispose([inputIds, mask, tokenTypeIds, out.hidden, out.pooled!]);
    expect(tf.memory().numTensors).toBe(before);
    stack.dispose();
  });

  it.each(Object.keys(SPECS))('%s: top-k stacks started from the ONNX hidden state entering layer L − k (only those tensors read) equal the full model; so do its hidden states', async (name) => {
    const dir = folders[name]!;
    const tok = await tokenize(dir);
    const model = await AutoModel.from_pretrained(dir, { local_files_only: true, dtype: 'fp32' });
    const toBig = (v: number[]) => new BigInt64Array(v.map((x) => BigInt(x)));
    const { Tensor } = await import('@huggingface/transformers');
    const feeds: Record<string, unknown> = {
      input_ids: new Tensor('int64', toBig(tok.ids), [tok.n, tok.t]),
      attention_mask: new Tensor('int64', toBig(tok.mask), [tok.n, tok.t]),
    };
    if (name === 'bert') feeds.token_type_ids = new Tensor('int64', toBig(tok.types), [tok.n, tok.t]);
    const onnxOut = (await model(feeds)) as Record<string, { data: Float32Array; dims: number[] }>;
    await model.dispose();
    const spec = SPECS[name]!;
    const L = spec.layers;
    const h = spec.hidden;
    const mask = tf.tensor2d(tok.mask, [tok.n, tok.t]);
    for (let k = 0; k <= L; k++) {
      const probe = await loadHfEncoderWeights(`hf:${dir}`, { include: () => false });
      const config = textLayersConfigFromHf(probe.config);
      const include = textLayersWeightFilter(config, k);
      const loaded = await loadHfEncoderWeights(`hf:${dir}`, { include });
      expect(loaded.weights.size).toBe(16 * k + 2);
      const stack = new TextEncoderLayers(config, { trainableLayers: k, weights: loaded.weights });
      // The feature cache keeps real tokens only: padded rows of the input are zero there.
      const entering = onnxOut[`hidden_state_${L - k}`]!.data;
      const cached = Float32Array.from(entering, (v, z) => (tok.mask[Math.floor(z / h)] === 1 ? v : 0));
      for (const values of [entering, cached]) {
        const hidden = tf.tensor3d(values, [tok.n, tok.t, h]);
        const out = stack.forward({ hidden, mask });
        expect(maxAbsDiff(realTokens(out.hidden.dataSync(), tok, h), realTokens(onnxOut.last_hidden_state!.data, tok, h)), `k = ${k}`).toBeLessThan(TOLERANCE);
        expect(maxAbsDiff(out.pooled!.dataSync(), onnxOut.pooler_output!.data), `k = ${k}`).toBeLessThan(TOLERANCE);
        tf.dispose([hidden, out.hidden, out.pooled!]);
      }
      stack.dispose();
    }
    // every intermediate hidden state of the whole stack equals the ONNX graph's
    const all = new TextEncoderLayers(textLayersConfigFromHf((await loadHfEncoderWeights(`hf:${dir}`)).config), {
      trainableLayers: 'all',
      weights: (await loadHfEncoderWeights(`hf:${dir}`)).weights,
    });
    const inputIds = tf.tensor2d(tok.ids, [tok.n, tok.t], 'int32');
    const tokenTypeIds = tf.tensor2d(tok.types, [tok.n, tok.t], 'int32');
    const out = all.forward({ inputIds, mask, tokenTypeIds }, { hiddenStates: true });
    out.hiddenStates!.forEach((s, i) => expect(maxAbsDiff(realTokens(s.dataSync(), tok, h), realTokens(onnxOut[`hidden_state_${i}`]!.data, tok, h)), `hidden_state_${i}`).toBeLessThan(TOLERANCE));
    tf.dispose([inputIds, tokenTypeIds, mask, out.hidden, out.pooled!, ...out.hiddenStates!]);
    all.dispose();
  });
});
