// `--finetune-image-layers k` end to end, in process, with a tiny ViT written to a local folder
// (preprocessor_config.json, ONNX graph and model.safetensors, by @mmaux/encoders' test helper):
// training caches the hidden states entering layer L − k under an image encoder id of their own,
// the saved model carries trained layers that differ from the pretrained ones, `predict` on new
// posts (recomputing the frozen layers) gives the probabilities `eval` gave on the same posts,
// k = 0 trains exactly as a run without the setting, and what cannot work is refused clearly.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadHfEncoderWeights } from '@mmaux/encoders';
import { loadFusionModel } from '@mmaux/fusion';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyResnetModel } from '../../../packages/encoders/test/helpers/tiny-models.js';
import { writeTinyVit } from '../../../packages/encoders/test/helpers/tiny-vit.js';
import type { CommandContext } from '../src/commands/context.js';
import { predictCommand } from '../src/commands/predict.js';
import { resolveRunConfig } from '../src/config.js';
import { loadRunData, splitPosts } from '../src/data.js';
import { createLog } from '../src/progress.js';
import { runTraining } from '../src/train-run.js';

let root = '';
let vit = '';
const log = createLog({ quiet: true, tty: false, write: () => {}, now: () => 0 });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmaux-finetune-image-'));
  vit = await writeTinyVit(join(root, 'tiny-vit'), { hidden: 32, heads: 2, intermediate: 48, layers: 3, imageSize: 32, patchSize: 8, layerNormEps: 1e-12, seed: 1 });
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

function settings(out: string, extra: Record<string, unknown> = {}) {
  return resolveRunConfig({}, {
    dataset: 'synthetic', task: 'sarcasm', size: 60, model: 'concat', hiddenDim: 16, epochs: 2, backend: 'cpu',
    imageEncoder: `hf:${vit}`, cacheDir: join(root, 'cache'), out: join(root, out), learningRate: 1e-3, ...extra,
  });
}

function ctx(): CommandContext & { printed: unknown[] } {
  const printed: unknown[] = [];
  return { log, json: true, print: () => {}, printJson: (v) => printed.push(v), signal: new AbortController().signal, printed };
}

/** The encoder id a cache shard was written for. */
function shardIds(cacheDir: string): Map<string, string> {
  const shards = readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.safetensors'));
  return new Map(
    shards.map((f) => {
      const bytes = readFileSync(join(cacheDir, f));
      return [f, JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')).__metadata__?.encoder_id as string];
    }),
  );
}

describe('mmaux train --finetune-image-layers', () => {
  it('k = 1: caches layer-2 hidden states, trains layer 2 and the final LayerNorm at --encoder-lr, saves them, and predict on new posts equals eval', async () => {
    const config = settings('k1', { finetuneImageLayers: 1, encoderLr: 1e-3, layerDecay: 0.5 });
    const result = await runTraining(config, { log });
    expect(result.bestEpoch).toBeGreaterThan(0);
    const ids = shardIds(join(root, 'cache'));
    const layerShard = [...ids].find(([, id]) => id.endsWith('@layer2'))?.[0];
    expect(layerShard).toBeDefined();
    expect(ids.get(layerShard!)).toMatch(/^hf:tiny-vit;files=[0-9a-f]+;dtype=fp32;tjs=\d+\.\d+@layer2$/);

    const model = await loadFusionModel(join(config.out, 'best-model'));
    try {
      expect(model.imageLayers?.firstLayer).toBe(2);
      expect(model.imageLayers?.pooling).toBe('first');
      expect(model.textLayers).toBeNull();
      const pretrained = (await loadHfEncoderWeights(vit)).weights;
      for (const name of ['encoder.layer.2.output.dense.weight', 'encoder.layer.2.attention.attention.query.weight', 'layernorm.weight']) {
        const before = pretrained.get(name)!.data;
        const after = model.getWeight(`vit.${name}`).dataSync();
        expect(Array.from(after).some((v, i) => Math.abs(v - before[i]!) > 1e-6), name).toBe(true);
      }
      expect(model.weightNames().some((n) => n.startsWith('vit.encoder.layer.1.') || n.startsWith('vit.embeddings.'))).toBe(false);
    } finally {
      model.dispose();
    }

    // predict on the test posts written as a new-posts file gives the probabilities of predictions-test.csv (eval of the best model).
    const data = await loadRunData(config, log);
    const test = splitPosts(data.posts).test.slice(0, 8);
    const input = join(root, 'new.jsonl');
    writeFileSync(input, test.map((p) => JSON.stringify({ id: p.id, text: p.text, image: p.imagePath })).join('\n'));
    // Without the cached image features, predict computes them: the frozen lower layers run again.
    await rm(dirname(join(root, 'cache', layerShard!)), { recursive: true, force: true });
    const c = ctx();
    await predictCommand.run([config.out, '--input', input], c);
    expect([...shardIds(join(root, 'cache')).values()].some((id) => id.endsWith('@layer2'))).toBe(true);
    const predicted = (c.printed[0] as { predictions: { id: string; probabilities: Record<string, number> }[] }).predictions;
    const csv = readFileSync(join(config.out, 'predictions-test.csv'), 'utf8').trim().split('\n');
    const header = csv[0]!.split(',');
    const rows = new Map(csv.slice(1).map((line) => [line.split(',')[0]!, line.split(',')]));
    expect(predicted).toHaveLength(test.length);
    for (const p of predicted) {
      const row = rows.get(p.id)!;
      for (const [cls, prob] of Object.entries(p.probabilities)) expect(prob).toBeCloseTo(Number(row[header.indexOf(`p_${cls}`)]), 5);
    }
  }, 240_000);

  it('k = 0 gives exactly the numbers of a run without the setting', async () => {
    const a = await runTraining(settings('k0-default'), { log });
    const b = await runTraining(settings('k0-explicit', { finetuneImageLayers: 0, encoderLr: 0.5, layerDecay: 0.3 }), { log });
    expect(b.test).toEqual(a.test);
    const strip = (f: string) => readFileSync(join(root, f, 'metrics.jsonl'), 'utf8').replace(/"seconds":[0-9.e-]+/g, '');
    expect(strip('k0-explicit')).toBe(strip('k0-default'));
  }, 240_000);

  it('refuses a non-ViT encoder, a k above its layers, a non-hf image encoder, a text-only model, a patch grid, and all', async () => {
    const resnet = writeTinyResnetModel(join(root, 'tiny-resnet'));
    await expect(runTraining(settings('resnet', { finetuneImageLayers: 1, imageEncoder: `hf:${resnet}` }), { log })).rejects.toThrow(
      /--finetune-image-layers 1: hf:.*tiny-resnet is not an image encoder the trainer can fine-tune: imageLayersConfigFromHf: model_type "resnet" is not a ViT/,
    );
    await expect(runTraining(settings('k9', { finetuneImageLayers: 9 }), { log })).rejects.toThrow(/--finetune-image-layers 9: hf:.* has 3 layers; give 1–3/);
    expect(() => settings('patches', { finetuneImageLayers: 1, imageEncoder: 'builtin:image-patches' })).toThrow(/use --image-encoder hf:<ViT hub id or folder> \(got builtin:image-patches\)/);
    expect(() => settings('text-only', { finetuneImageLayers: 1, model: 'text-only' })).toThrow('--finetune-image-layers 1: model text-only reads no image');
    expect(() => settings('grid', { finetuneImageLayers: 1, patchGrid: 2 })).toThrow('drop --patch-grid 2');
    expect(() => settings('all', { finetuneImageLayers: 'all' })).toThrow(/finetuneImageLayers = "all" is not supported/);
  }, 120_000);
});
