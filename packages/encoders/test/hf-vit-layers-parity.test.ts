// Parity of @mmaux/fusion's trainable ImageEncoderLayers (ViT), built from config.json +
// model.safetensors read by loadHfEncoderWeights, with the same model run as ONNX through
// transformers.js (this package's hf: image encoder, and transformers.js' AutoModel for the
// intermediate hidden states): a tiny ViT written by test/helpers/tiny-vit.ts (bare ViTModel
// names with a pooler, and `vit.`-prefixed names without one), images of several sizes going
// through createHfImageProcessor, on the wasm and cpu backends.
//
// @mmaux/fusion is imported from its source by a relative path, as in the text parity test.
import { join } from 'node:path';
import { AutoModel, env, Tensor } from '@huggingface/transformers';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageEncoderLayers, imageLayersConfigFromHf, imageLayersWeightFilter } from '../../fusion/src/image-layers/index.js';
import { createHfImageProcessor, createImageEncoder, loadHfEncoderWeights } from '../src/index.js';
import type { DecodedImage } from '@mmaux/datasets';
import { type TinyVitSpec, tinyVitTokens, writeTinyVit } from './helpers/tiny-vit.js';
import { tempDir } from './helpers/util.js';

const TOLERANCE = 1e-4;

const SPECS: Record<string, TinyVitSpec> = {
  'vit-model': { hidden: 32, heads: 2, intermediate: 48, layers: 3, imageSize: 32, patchSize: 8, layerNormEps: 1e-12, seed: 1 },
  'vit-prefixed-no-pooler': { hidden: 48, heads: 3, intermediate: 64, layers: 2, imageSize: 24, patchSize: 6, layerNormEps: 1e-6, seed: 2, prefixed: true, omitPoolerFromCheckpoint: true },
};

/** Seeded RGB images of different sizes (the processor resizes each to image_size). */
function images(): DecodedImage[] {
  let s = 7;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  return [
    [40, 30],
    [32, 32],
    [50, 64],
  ].map(([width, height]) => ({ data: Uint8Array.from({ length: width! * height! * 3 }, next), width: width!, height: height!, channels: 3 as const }));
}

const folders: Record<string, string> = {};

beforeAll(async () => {
  env.allowRemoteModels = false;
  const root = tempDir('vit-parity');
  for (const [name, spec] of Object.entries(SPECS)) folders[name] = await writeTinyVit(join(root, name), spec);
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe.each(['wasm', 'cpu'] as const)('ImageEncoderLayers equals the ONNX ViT through transformers.js (%s backend)', (backend) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backend)).toBe(true);
    await tf.ready();
  });

  it.each(Object.keys(SPECS))("%s: 'all' from the processor's pixels: last hidden state (the hf: encoder's patches) and pooled output (pooler / first)", async (name) => {
    const dir = folders[name]!;
    const spec = SPECS[name]!;
    const input = images();
    const processor = await createHfImageProcessor(`hf:${dir}`);
    const px = await processor.preprocess(input);
    expect(px.shape).toEqual({ n: 3, channels: 3, height: spec.imageSize, width: spec.imageSize });
    const loaded = await loadHfEncoderWeights(`hf:${dir}`);
    const config = imageLayersConfigFromHf(loaded.config);
    const h = spec.hidden;
    for (const pooling of ['pooler', 'first'] as const) {
      const encoder = await createImageEncoder(`hf:${dir}`, { pooling });
      const features = await encoder.encode(input);
      await encoder.dispose();
      expect(features.shape).toEqual({ n: 3, patches: tinyVitTokens(spec), dim: h });
      // Without pooler weights in the checkpoint the stack's pooler is newly initialised: compare 'first' only.
      if (pooling === 'pooler' && spec.omitPoolerFromCheckpoint) continue;
      const stack = new ImageEncoderLayers(config, { trainableLayers: 'all', pooling, weights: loaded.weights });
      expect(stack.initializedWeights).toEqual([]);
      const before = tf.memory().numTensors;
      const pixels = tf.tensor4d(px.pixelValues, [3, 3, spec.imageSize, spec.imageSize]);
      const out = stack.forward({ pixelValues: pixels });
      expect(maxAbsDiff(out.hidden.dataSync(), features.patches), pooling).toBeLessThan(TOLERANCE);
      expect(maxAbsDiff(out.pooled.dataSync(), features.pooled), pooling).toBeLessThan(TOLERANCE);
      tf.dispose([pixels, out.hidden, out.pooled]);
      expect(tf.memory().numTensors).toBe(before);
      stack.dispose();
    }
    if (spec.omitPoolerFromCheckpoint) {
      const initialised = new ImageEncoderLayers(config, { trainableLayers: 1, weights: loaded.weights, rng: () => 0.5 });
      expect(initialised.initializedWeights).toEqual(['vit.pooler.dense.weight', 'vit.pooler.dense.bias']);
      initialised.dispose();
    }
  });

  it.each(Object.keys(SPECS))('%s: top-k stacks started from the ONNX hidden state entering layer L − k (only those tensors read) equal the full model; so do its hidden states', async (name) => {
    const dir = folders[name]!;
    const spec = SPECS[name]!;
    const px = await (await createHfImageProcessor(`hf:${dir}`)).preprocess(images());
    const dims = [px.shape.n, px.shape.channels, px.shape.height, px.shape.width];
    const model = await AutoModel.from_pretrained(dir, { local_files_only: true, dtype: 'fp32' });
    const onnxOut = (await model({ pixel_values: new Tensor('float32', px.pixelValues, dims) })) as Record<string, { data: Float32Array; dims: number[] }>;
    await model.dispose();
    const L = spec.layers;
    const h = spec.hidden;
    const t = tinyVitTokens(spec);
    const probe = await loadHfEncoderWeights(`hf:${dir}`, { include: () => false });
    const config = imageLayersConfigFromHf(probe.config);
    const pooling = spec.omitPoolerFromCheckpoint ? 'first' : 'pooler';
    for (let k = 0; k <= L; k++) {
      const include = imageLayersWeightFilter(config, k, { pooler: pooling === 'pooler' });
      const loaded = await loadHfEncoderWeights(`hf:${dir}`, { include });
      expect(loaded.weights.size).toBe(16 * k + 2 + (pooling === 'pooler' ? 2 : 0));
      const stack = new ImageEncoderLayers(config, { trainableLayers: k, pooling, weights: loaded.weights });
      const hidden = tf.tensor3d(onnxOut[`hidden_state_${L - k}`]!.data, [3, t, h]);
      const out = stack.forward({ hidden });
      expect(maxAbsDiff(out.hidden.dataSync(), onnxOut.last_hidden_state!.data), `k = ${k}`).toBeLessThan(TOLERANCE);
      const wantPooled = pooling === 'pooler' ? onnxOut.pooler_output!.data : Float32Array.from({ length: 3 * h }, (_, z) => onnxOut.last_hidden_state!.data[Math.floor(z / h) * t * h + (z % h)]!);
      expect(maxAbsDiff(out.pooled.dataSync(), wantPooled), `k = ${k}`).toBeLessThan(TOLERANCE);
      tf.dispose([hidden, out.hidden, out.pooled]);
      stack.dispose();
    }
    // every intermediate hidden state of the whole stack equals the ONNX graph's
    const all = new ImageEncoderLayers(config, { trainableLayers: 'all', pooling: 'first', weights: (await loadHfEncoderWeights(`hf:${dir}`)).weights });
    const pixels = tf.tensor4d(px.pixelValues, dims as [number, number, number, number]);
    const out = all.forward({ pixelValues: pixels }, { hiddenStates: true });
    expect(out.hiddenStates).toHaveLength(L + 1);
    out.hiddenStates!.forEach((s, i) => expect(maxAbsDiff(s.dataSync(), onnxOut[`hidden_state_${i}`]!.data), `hidden_state_${i}`).toBeLessThan(TOLERANCE));
    tf.dispose([pixels, out.hidden, out.pooled, ...out.hiddenStates!]);
    all.dispose();
  });
});
