// FeatureSource.batch builds only what a model reads (`model.reads`): [N, 1, D] first tokens /
// patches or pooled-only placeholders instead of the padded [N, L, D] and [N, P, D] tensors, and a
// training run that reads that way ends exactly as one that reads every token and patch.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FusionInput } from '@mmaux/fusion';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRunConfig, type RunConfig } from '../src/config.js';
import { loadRunData } from '../src/data.js';
import { useBackend } from '../src/environment.js';
import { disposeInput, type FeatureSource, type InputReads, prepareFeatures } from '../src/features.js';
import { createLog } from '../src/progress.js';
import { RUN_FILES } from '../src/run-files.js';
import { runTraining } from '../src/train-run.js';

const log = createLog({ quiet: true, tty: false, write: () => {}, now: () => 0 });
const root = mkdtempSync(join(tmpdir(), 'mmaux-reads-'));
const base: RunConfig = {
  ...defaultRunConfig('synthetic'),
  task: 'sarcasm',
  size: 60,
  hiddenDim: 16,
  epochs: 2,
  aux: ['itc', 'itm'],
  cacheDir: join(root, 'cache', 'features'),
  out: join(root, 'unused'),
};

let data: Awaited<ReturnType<typeof loadRunData>>;
let features: FeatureSource;
beforeAll(async () => {
  await useBackend(base.backend, base.threads);
  data = await loadRunData(base, log);
  features = await prepareFeatures(base, data.posts, log);
});
afterAll(async () => {
  await features?.close();
});

/** A tensor's values as nested arrays. */
const values = (t: tf.Tensor) => t.arraySync();
/** Position 0 along axis 1 of `[N, L, D]`, as nested arrays. */
const firstOf = (t: tf.Tensor3D) => tf.tidy(() => tf.slice(t, [0, 0, 0], [t.shape[0], 1, t.shape[2]]).arraySync());

/** A batch of frozen features (no text layers): always `{ tokens, mask, pooled }` text. */
const frozenBatch = async (posts: Parameters<FeatureSource['batch']>[0], reads?: InputReads) => (await features.batch(posts, reads)) as FusionInput;

describe('FeatureSource.batch(posts, reads)', () => {
  it("builds [N, L, D] padded to the batch's longest text and [N, P, D] patches by default", async () => {
    const posts = data.posts.slice(0, 8);
    const full = await frozenBatch(posts);
    try {
      const [n, l, d] = full.text!.tokens.shape;
      expect([n, d]).toEqual([8, features.textDim]);
      // dynamic padding: the longest text of these posts, not maxLength
      const lengths = (values(full.text!.mask) as number[][]).map((row) => row.reduce((a, b) => a + b, 0));
      expect(l).toBe(Math.max(...lengths));
      expect(l).toBeLessThan(base.maxLength);
      expect(full.image!.patches.shape).toEqual([8, 36, features.imageDim]);
    } finally {
      disposeInput(full);
    }
  });

  it("'first' gives token / patch 0 as [N, 1, D] with a [N, 1] mask, 'none' a zero placeholder; pooled unchanged", async () => {
    const posts = data.posts.slice(3, 13);
    const full = await frozenBatch(posts, { textTokens: 'all', imagePatches: 'all' });
    const first = await frozenBatch(posts, { textTokens: 'first', imagePatches: 'first' });
    const none = await frozenBatch(posts, { textTokens: 'none', imagePatches: 'none' });
    const attention = await frozenBatch(posts, { textTokens: 'first', imagePatches: 'all' });
    try {
      const D = features.textDim;
      const V = features.imageDim;
      expect(first.text!.tokens.shape).toEqual([10, 1, D]);
      expect(first.text!.mask.shape).toEqual([10, 1]);
      expect(first.image!.patches.shape).toEqual([10, 1, V]);
      expect(values(first.text!.tokens)).toEqual(firstOf(full.text!.tokens));
      expect(values(first.image!.patches)).toEqual(firstOf(full.image!.patches));
      expect(values(first.text!.mask)).toEqual(Array(10).fill([1]));
      expect(none.text!.tokens.shape).toEqual([10, 1, D]);
      expect(none.image!.patches.shape).toEqual([10, 1, V]);
      expect(values(none.text!.mask)).toEqual(Array(10).fill([1]));
      expect(none.text!.tokens.dataSync().every((v) => v === 0)).toBe(true);
      expect(none.image!.patches.dataSync().every((v) => v === 0)).toBe(true);
      for (const b of [first, none, attention]) {
        expect(values(b.text!.pooled)).toEqual(values(full.text!.pooled));
        expect(values(b.image!.pooled)).toEqual(values(full.image!.pooled));
      }
      expect(attention.text!.tokens.shape).toEqual([10, 1, D]);
      expect(values(attention.image!.patches)).toEqual(values(full.image!.patches));
    } finally {
      [full, first, none, attention].forEach(disposeInput);
    }
  });

  it('rejects a reads value the cache does not know, naming it', async () => {
    await expect(features.batch(data.posts.slice(0, 2), { textTokens: 'last' as 'first', imagePatches: 'all' })).rejects.toThrow(
      `FeatureCache.read: sequence must be one of 'all', 'first', 'none', got "last".`,
    );
  });
});

/** The files a run writes, with the wall-clock seconds left out. */
function runFiles(dir: string) {
  const result = JSON.parse(readFileSync(join(dir, RUN_FILES.result), 'utf8'));
  delete result.seconds;
  const metrics = readFileSync(join(dir, RUN_FILES.metrics), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const { seconds: _, ...record } = JSON.parse(line);
      return record;
    });
  return { result, metrics, val: readFileSync(join(dir, RUN_FILES.valPredictions), 'utf8'), test: readFileSync(join(dir, RUN_FILES.testPredictions), 'utf8') };
}

describe('a training run reading only what the model reads', () => {
  const cases = [
    { model: 'concat', summary: 'first-token', reads: { textTokens: 'first', imagePatches: 'first' } },
    { model: 'concat', summary: 'pooled', reads: { textTokens: 'none', imagePatches: 'none' } },
    { model: 'attention', summary: 'first-token', reads: { textTokens: 'first', imagePatches: 'all' } },
    { model: 'attention', summary: 'pooled', reads: { textTokens: 'none', imagePatches: 'all' } },
  ] as const;
  for (const { model, summary, reads } of cases) {
    it(`${model}, summary ${summary}: same result.json, metrics and predictions as reading every token and patch`, async () => {
      const config: RunConfig = { ...base, model, summary };
      // The run's batches go through this source: record what was asked and what was built.
      const asked: Array<InputReads | undefined> = [];
      const shapes = new Set<string>();
      const lean: FeatureSource = {
        ...features,
        batch: async (posts, r) => {
          asked.push(r);
          const input = await frozenBatch(posts, r);
          shapes.add(`${input.text!.tokens.shape[1]}x${input.image!.patches.shape[1]}`);
          return input;
        },
      };
      // The reference: every token and patch, whatever the model reads (today's behaviour).
      const everything: FeatureSource = { ...features, batch: (posts) => features.batch(posts) };
      await runTraining({ ...config, out: join(root, `${model}-${summary}-lean`) }, { log, data, features: lean });
      await runTraining({ ...config, out: join(root, `${model}-${summary}-all`) }, { log, data, features: everything });
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.every((r) => r !== undefined && r.textTokens === reads.textTokens && r.imagePatches === reads.imagePatches)).toBe(true);
      // text one position wide; patches one wide unless the kind attends over them (36 patches)
      expect([...shapes]).toEqual([`1x${reads.imagePatches === 'all' ? 36 : 1}`]);
      const a = runFiles(join(root, `${model}-${summary}-lean`));
      const b = runFiles(join(root, `${model}-${summary}-all`));
      expect(a.metrics).toHaveLength(2);
      expect(a).toEqual(b);
    });
  }
});

describe('--group-by-length', () => {
  it("textLengths gives each post's length from the cache index, as a full read's mask says", async () => {
    const posts = data.posts.slice(0, 10);
    const full = await frozenBatch(posts);
    try {
      const fromMask = (values(full.text!.mask) as number[][]).map((row) => row.reduce((a, b) => a + b, 0));
      expect(await features.textLengths(posts)).toEqual(fromMask);
    } finally {
      disposeInput(full);
    }
  });

  it('a run with length-grouped batches completes and records the setting (the batches: length-groups.test.ts)', async () => {
    const out = join(root, 'grouped');
    const result = await runTraining({ ...base, groupByLength: true, out }, { log, data, features });
    expect(Number.isFinite(result.test.f1Macro)).toBe(true);
    expect(JSON.parse(readFileSync(join(out, RUN_FILES.config), 'utf8')).groupByLength).toBe(true);
  });
});
