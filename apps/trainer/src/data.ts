// The posts of a run: a paper data set or manifest as downloaded, or the synthetic set generated
// offline on first use; then the stratified training subsample of the low-resource study.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateSyntheticDataset, loadDataset, type LoadedDataset, type Post } from '@mmaux/datasets';
import { createRng } from '@mmaux/losses';
import type { RunConfig } from './config.js';
// In its own module so that `mmaux data check` can use it without loading @mmaux/losses (tfjs).
import { DATA_SEED } from './data-seed.js';
import type { Log } from './progress.js';
import { readJsonObject } from './read-files.js';
import { shuffleInPlace } from './shuffle.js';

export { DATA_SEED };

/** Where a synthetic data set lives when `data` is not given: next to the feature cache. */
export function syntheticDir(config: Pick<RunConfig, 'cacheDir' | 'task' | 'size' | 'data'>): string {
  return resolve(config.data ?? join(config.cacheDir, '..', 'data', `synthetic-${config.task}-${config.size}`));
}

/** Generates the synthetic set unless a complete one of the same task and size is there. */
async function ensureSynthetic(config: RunConfig, log: Log): Promise<string> {
  const dir = syntheticDir(config);
  const info = join(dir, 'dataset.json');
  if (existsSync(info)) {
    const meta = await readJsonObject('mmaux', info);
    if (meta.task === config.task && meta.size === config.size && meta.seed === DATA_SEED) return join(dir, 'manifest.jsonl');
  }
  const bar = log.bar(`generate synthetic-${config.task}`, config.size);
  const out = await generateSyntheticDataset(dir, {
    task: config.task,
    size: config.size,
    seed: DATA_SEED,
    overwrite: existsSync(dir),
    onProgress: ({ done }) => bar.update(done),
  });
  bar.done();
  return out.manifestPath;
}

/**
 * What happens to a post whose image cannot be used: `error` under `strict`, else `onBadImage`,
 * else the data set's rule (skip; blank for MICD). Runs written before these settings have
 * neither (undefined: the defaults).
 */
export function badImagePolicy(config: Partial<Pick<RunConfig, 'dataset' | 'onBadImage' | 'strict'>>): 'skip' | 'blank' | 'error' {
  if (config.strict === true) return 'error';
  return config.onBadImage ?? (config.dataset === 'micd' ? 'blank' : 'skip');
}

/**
 * Loads the run's data set (generating the synthetic one when needed): a missing image or one
 * outside the data folder follows {@link badImagePolicy}; `strict` stops at the first bad row.
 */
export async function loadRunData(config: RunConfig, log: Log): Promise<LoadedDataset> {
  const rules = { strict: config.strict === true, onBadImage: badImagePolicy(config) };
  if (config.dataset === 'synthetic') {
    return loadDataset('manifest', await ensureSynthetic(config, log), { seed: DATA_SEED, ...rules });
  }
  return loadDataset(config.dataset, resolve(config.data!), {
    seed: DATA_SEED,
    ...rules,
    ...(config.textFile === null ? {} : { textFile: resolve(config.textFile) }),
  });
}

/** The posts of each split, in file order. */
export interface SplitPosts {
  train: Post[];
  val: Post[];
  test: Post[];
}

/** Groups posts by split. */
export function splitPosts(posts: readonly Post[]): SplitPosts {
  const out: SplitPosts = { train: [], val: [], test: [] };
  for (const p of posts) out[p.split].push(p);
  return out;
}

/**
 * A stratified sample of `size` training posts (the low-resource study): each class keeps its
 * share (largest remainder), posts drawn with a generator seeded by `seed`, returned in their
 * original order. `size` ≥ the split returns it unchanged.
 */
export function stratifiedSample(posts: readonly Post[], size: number, seed: number): Post[] {
  if (size >= posts.length) return [...posts];
  const byClass = new Map<number, number[]>();
  posts.forEach((p, i) => byClass.set(p.label, [...(byClass.get(p.label) ?? []), i]));
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const quota = classes.map((c) => (byClass.get(c)!.length * size) / posts.length);
  const take = quota.map(Math.floor);
  const order = classes.map((_, k) => k).sort((a, b) => quota[b]! - take[b]! - (quota[a]! - take[a]!) || a - b);
  for (let left = size - take.reduce((a, b) => a + b, 0), k = 0; left > 0; k++, left--) take[order[k % order.length]!]! += 1;
  const rng = createRng(seed);
  const keep: number[] = [];
  classes.forEach((c, k) => keep.push(...shuffleInPlace([...byClass.get(c)!], rng).slice(0, take[k])));
  return keep.sort((a, b) => a - b).map((i) => posts[i]!);
}
