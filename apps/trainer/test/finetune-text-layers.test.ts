// `--finetune-text-layers k` end to end, in process, with a tiny BERT written to a local folder
// (tokenizer files, ONNX graph and model.safetensors, by @mmaux/encoders' test helper): training
// caches the hidden states entering layer L − k under their own cache folder, the saved model
// carries trained layers that differ from the pretrained ones, `predict` on new posts gives the
// probabilities `eval` gives on the same posts, and k = 0 trains exactly as a run without the
// setting.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHfTokenizer, FeatureCache, loadHfEncoderWeights, textKey } from '@mmaux/encoders';
import { loadFusionModel } from '@mmaux/fusion';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyBert } from '../../../packages/encoders/test/helpers/tiny-bert.js';
import { predictCommand } from '../src/commands/predict.js';
import type { CommandContext } from '../src/commands/context.js';
import { resolveRunConfig } from '../src/config.js';
import { loadRunData, splitPosts } from '../src/data.js';
import { createLog } from '../src/progress.js';
import { checkWasmMemory } from '../src/text-layer-features.js';
import { runTraining } from '../src/train-run.js';

let root = '';
let bert = '';
const log = createLog({ quiet: true, tty: false, write: () => {}, now: () => 0 });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmaux-finetune-'));
  bert = await writeTinyBert(join(root, 'tiny-bert'), { modelType: 'bert', hidden: 32, heads: 2, intermediate: 48, layers: 3, maxPositions: 24, layerNormEps: 1e-12, seed: 1 });
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

function settings(out: string, extra: Record<string, unknown> = {}) {
  return resolveRunConfig({}, {
    dataset: 'synthetic', task: 'sarcasm', size: 60, model: 'concat', hiddenDim: 16, epochs: 2, backend: 'cpu',
    textEncoder: `hf:${bert}`, maxLength: 20, cacheDir: join(root, 'cache'), out: join(root, out), learningRate: 1e-3, ...extra,
  });
}

function ctx(): CommandContext & { printed: unknown[] } {
  const printed: unknown[] = [];
  return { log, json: true, print: () => {}, printJson: (v) => printed.push(v), signal: new AbortController().signal, printed };
}

describe('mmaux train --finetune-text-layers', () => {
  it('k = 1: caches layer-2 hidden states, trains layer 2 at --encoder-lr, saves it, and predict on new posts equals eval', async () => {
    const config = settings('k1', { finetuneTextLayers: 1, encoderLr: 1e-3 });
    const result = await runTraining(config, { log });
    expect(result.bestEpoch).toBeGreaterThan(0);
    // The cache holds the lower layers' features under an encoder id that names the layer.
    const shards = readdirSync(join(root, 'cache'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.safetensors'));
    const idOf = (f: string) => {
      const bytes = readFileSync(join(root, 'cache', f));
      return JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')).__metadata__?.encoder_id as string;
    };
    const layerShard = shards.find((f) => idOf(f).endsWith('@layer2'));
    expect(layerShard).toBeDefined();

    const model = await loadFusionModel(join(config.out, 'best-model'));
    try {
      expect(model.textLayers?.firstLayer).toBe(2);
      const pretrained = (await loadHfEncoderWeights(bert)).weights;
      const name = 'encoder.layer.2.output.dense.weight';
      const before = pretrained.get(`bert.${name}`)!.data;
      const after = model.getWeight(name).dataSync();
      expect(Array.from(after).some((v, i) => Math.abs(v - before[i]!) > 1e-6)).toBe(true);
      expect(model.weightNames().some((n) => n.startsWith('encoder.layer.1.'))).toBe(false);
    } finally {
      model.dispose();
    }

    // predict on the test posts written as a new-posts file gives the probabilities of predictions.csv (eval of the best model).
    const data = await loadRunData(config, log);
    const test = splitPosts(data.posts).test.slice(0, 8);
    const input = join(root, 'new.jsonl');
    writeFileSync(input, test.map((p) => JSON.stringify({ id: p.id, text: p.text, image: p.imagePath })).join('\n'));
    // Without the cached text features, predict computes them: the frozen lower layers run again.
    await rm(dirname(join(root, 'cache', layerShard!)), { recursive: true, force: true });
    const c = ctx();
    await predictCommand.run([config.out, '--input', input], c);
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
    const b = await runTraining(settings('k0-explicit', { finetuneTextLayers: 0, encoderLr: 0.5, layerDecay: 0.3 }), { log });
    expect(b.test).toEqual(a.test);
    expect(readFileSync(join(root, 'k0-explicit', 'metrics.jsonl'), 'utf8').replace(/"seconds":[0-9.e-]+/g, '')).toBe(
      readFileSync(join(root, 'k0-default', 'metrics.jsonl'), 'utf8').replace(/"seconds":[0-9.e-]+/g, ''),
    );
  }, 240_000);

  it('all: caches token ids, trains the embeddings and every layer, and predict on new posts equals eval', async () => {
    const config = settings('all', { finetuneTextLayers: 'all', encoderLr: 1e-3, cacheDir: join(root, 'cache-all') });
    expect(config.finetuneTextLayers).toBeNull();
    await runTraining(config, { log });
    // The cache holds the tokenizer's ids as [N, T, 1] float32 tokens, under an id that says so.
    const cache = new FeatureCache(join(root, 'cache-all'), { store: 'tokens' });
    const tokenizer = await createHfTokenizer(`hf:${bert}`, { maxLength: 20 });
    const ids = { kind: 'text' as const, id: `${tokenizer.id}@ids`, spec: `hf:${bert}`, dim: 1, maxLength: 20, encode: async () => { throw new Error('not used'); }, dispose: async () => {} };
    const data = await loadRunData(config, log);
    const test = splitPosts(data.posts).test.slice(0, 8);
    const cached = await cache.read(ids, test.map((p) => textKey(p.text)), { sequence: 'all' });
    const expected = tokenizer.tokenize(test.map((p) => p.text));
    expect(cached.shape).toEqual({ n: test.length, length: expected.shape.length, dim: 1 });
    expect(Array.from((cached as { tokens: Float32Array }).tokens)).toEqual(Array.from(expected.inputIds, (id, i) => (expected.mask[i] ? id : 0)));
    await cache.close();

    const model = await loadFusionModel(join(config.out, 'best-model'));
    try {
      expect(model.textLayers?.hasEmbeddings).toBe(true);
      const pretrained = (await loadHfEncoderWeights(bert)).weights;
      for (const name of ['embeddings.word_embeddings.weight', 'encoder.layer.0.attention.self.query.weight', 'encoder.layer.2.output.dense.weight']) {
        const before = pretrained.get(`bert.${name}`)!.data;
        expect(Array.from(model.getWeight(name).dataSync()).some((v, i) => Math.abs(v - before[i]!) > 1e-6), name).toBe(true);
      }
    } finally {
      model.dispose();
    }

    const input = join(root, 'new-all.jsonl');
    writeFileSync(input, test.map((p) => JSON.stringify({ id: p.id, text: p.text, image: p.imagePath })).join('\n'));
    await rm(join(root, 'cache-all'), { recursive: true, force: true });
    const c = ctx();
    await predictCommand.run([config.out, '--input', input], c);
    const predicted = (c.printed[0] as { predictions: { id: string; probabilities: Record<string, number> }[] }).predictions;
    const csv = readFileSync(join(config.out, 'predictions-test.csv'), 'utf8').trim().split('\n');
    const header = csv[0]!.split(',');
    const rows = new Map(csv.slice(1).map((line) => [line.split(',')[0]!, line.split(',')]));
    expect(predicted).toHaveLength(test.length);
    for (const p of predicted) {
      for (const [cls, prob] of Object.entries(p.probabilities)) expect(prob).toBeCloseTo(Number(rows.get(p.id)![header.indexOf(`p_${cls}`)]), 5);
    }
  }, 240_000);

  it('all with --freeze-word-embeddings keeps the word table and trains the rest', async () => {
    const config = settings('all-frozen-words', { finetuneTextLayers: 'all', freezeWordEmbeddings: true, encoderLr: 1e-3, epochs: 1 });
    await runTraining(config, { log });
    const model = await loadFusionModel(join(config.out, 'best-model'));
    try {
      const pretrained = (await loadHfEncoderWeights(bert)).weights;
      const changed = (name: string) => {
        const before = pretrained.get(`bert.${name}`)!.data;
        return Array.from(model.getWeight(name).dataSync()).some((v, i) => Math.abs(v - before[i]!) > 1e-6);
      };
      expect(changed('embeddings.word_embeddings.weight')).toBe(false);
      expect(changed('embeddings.position_embeddings.weight')).toBe(true);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it("refuses a k above the encoder's layers, a non-hf text encoder, all with a float16 cache, and frozen words without all", async () => {
    await expect(runTraining(settings('k9', { finetuneTextLayers: 9 }), { log })).rejects.toThrow(/has 3 layers; give 1–3/);
    expect(() => settings('hash', { finetuneTextLayers: 1, textEncoder: 'builtin:text-hash' })).toThrow(/use --text-encoder hf:/);
    expect(() => settings('all16', { finetuneTextLayers: 'all', cacheDtype: 'float16' })).toThrow('--finetune-text-layers all caches token ids, which float16 holds exactly only up to 2048; use --cache-dtype float32');
    expect(() => settings('words', { finetuneTextLayers: 2, freezeWordEmbeddings: true })).toThrow('--freeze-word-embeddings applies to --finetune-text-layers all (got 2');
    expect(existsSync(join(root, 'all16'))).toBe(false);
  }, 60_000);

  it('refuses, on wasm, text layers whose training state overflows the 4 GiB heap, and says what fits', () => {
    // XLM-R base as Bernice has it: 250002 × 768 word table, 86M other weights.
    const weights = (wordsTrained: boolean) => [
      { name: 'embeddings.word_embeddings.weight', variable: { size: 250002 * 768, trainable: wordsTrained } },
      { name: 'encoder.layer.0.attention.self.query.weight', variable: { size: 86e6, trainable: true } },
    ];
    const layers = (wordsTrained: boolean) => ({ hasEmbeddings: true, namedWeights: () => weights(wordsTrained) }) as unknown as Parameters<typeof checkWasmMemory>[0];
    const config = { finetuneTextLayers: null, textEncoder: 'hf:bernice' };
    expect(() => checkWasmMemory(layers(true), 'wasm', config)).toThrow(
      "--finetune-text-layers all: hf:bernice's 278M trained weights with their gradients and AdamW moments need 4.1 GiB, more than the wasm backend's 4 GiB heap holds next to a batch's activations; add --freeze-word-embeddings (then 2.0 GiB), train the top layers only (e.g. --finetune-text-layers 2), or use --backend tensorflow / tensorflow-gpu (@tensorflow/tfjs-node[-gpu]).",
    );
    expect(() => checkWasmMemory(layers(false), 'wasm', config)).not.toThrow();
    expect(() => checkWasmMemory(layers(true), 'cpu', config)).not.toThrow();
    expect(() => checkWasmMemory(layers(true), 'tensorflow', config)).not.toThrow();
  });
});
