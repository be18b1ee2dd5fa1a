// The pure pieces: the low-resource subsample, config resolution, progress lines.
import type { Post } from '@mmaux/datasets';
import { describe, expect, it } from 'vitest';
import { defaultRunDir, resolveRunConfig, settingOf } from '../src/config.js';
import { stratifiedSample } from '../src/data.js';
import { effectivePatchGrid } from '../src/features.js';
import { progressLine } from '../src/progress.js';

const posts = (labels: number[]): Post[] => labels.map((label, i) => ({ id: `p${i}`, text: 't', imagePath: null, label, split: 'train' }));

describe('stratifiedSample', () => {
  const pool = posts([...Array(60).fill(0), ...Array(30).fill(1), ...Array(10).fill(2)]);

  it('keeps each class its share (largest remainder), in the original order, seeded', () => {
    const s = stratifiedSample(pool, 21, 4);
    expect(s).toHaveLength(21);
    const count = (c: number) => s.filter((p) => p.label === c).length;
    // quotas 12.6, 6.3, 2.1 → 12 + 6 + 2, the one left goes to the largest remainder (class 0)
    expect([count(0), count(1), count(2)]).toEqual([13, 6, 2]);
    const index = s.map((p) => Number(p.id.slice(1)));
    expect(index).toEqual([...index].sort((a, b) => a - b));
    expect(stratifiedSample(pool, 21, 4)).toEqual(s);
    expect(stratifiedSample(pool, 21, 5)).not.toEqual(s);
  });

  it('a size at or above the pool returns all of it', () => {
    expect(stratifiedSample(pool, 100, 1)).toEqual(pool);
    expect(stratifiedSample(pool, 500, 1)).toHaveLength(100);
  });
});

describe('resolveRunConfig', () => {
  it('defaults < file < flags, flag strings converted by the schema', () => {
    const c = resolveRunConfig({ dataset: 'tir', data: '/d', epochs: 4, aux: ['itm'] }, { epochs: '7', aux: 'itc,itm', trainSize: 'all' });
    expect(c).toMatchObject({ dataset: 'tir', data: '/d', epochs: 7, aux: ['itc', 'itm'], batchSize: 8, trainSize: null, learningRate: 5e-4 });
    expect(c.out).toBe('runs/tir-attention-CM-seed30');
    expect(settingOf([])).toBe('base');
    expect(defaultRunDir({ ...c, dataset: 'synthetic', task: 'sarcasm', aux: ['itc'], trainSize: 50 })).toBe('runs/synthetic-sarcasm-attention-C-n50-seed30');
  });

  it('names the key, the value and what is allowed', () => {
    expect(() => resolveRunConfig({}, { epochs: '0' })).toThrow(/--epochs: epochs = "0" is not valid; expected an integer ≥ 1/);
    expect(() => resolveRunConfig({ lr: 1 }, {}, 'exp.yaml')).toThrow(/exp\.yaml: unknown key "lr"; the keys are .*learningRate/);
    expect(() => resolveRunConfig({}, { aux: 'itc,xyz' })).toThrow(/aux = "itc,xyz" is not valid; a list of itc, itm/);
    expect(() => resolveRunConfig({ dataset: 'mhp' }, {})).toThrow(/dataset mhp needs its folder/);
    expect(() => resolveRunConfig({}, { model: 'text-only', aux: 'itc' })).toThrow(/model text-only sees one modality/);
  });
});

describe('progressLine', () => {
  it('shows the bar, counts, rate and ETA', () => {
    expect(progressLine('epoch 1/3', 5, 20, 2.5, 'loss 0.5')).toBe('epoch 1/3 [######------------------] 5/20 2.0/s ETA 8s loss 0.5');
    expect(progressLine('x', 20, 20, 2)).toBe('x [########################] 20/20 10/s ETA 0s');
  });
});

describe('effectivePatchGrid', () => {
  it('pools ViT-size grids to 7 × 7 for the transformer kinds only, keeps smaller grids, obeys --patch-grid', () => {
    const vit = { rows: 14, cols: 14 };
    expect(effectivePatchGrid({ model: 'single-stream', patchGrid: null }, vit)).toBe(7);
    expect(effectivePatchGrid({ model: 'dual-stream', patchGrid: null }, vit)).toBe(7);
    expect(effectivePatchGrid({ model: 'attention', patchGrid: null }, vit)).toBeNull();
    expect(effectivePatchGrid({ model: 'single-stream', patchGrid: null }, { rows: 6, cols: 6 })).toBeNull();
    expect(effectivePatchGrid({ model: 'single-stream', patchGrid: null }, null)).toBeNull();
    expect(effectivePatchGrid({ model: 'single-stream', patchGrid: 14 }, vit)).toBe(14);
    expect(effectivePatchGrid({ model: 'concat', patchGrid: 4 }, vit)).toBe(4);
  });
});
