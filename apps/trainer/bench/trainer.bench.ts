// pnpm bench (apps/trainer): wall time of `mmaux demo` and of a small grid through the built
// binary, split into data generation + feature extraction and training; and what the feature
// cache saves over encoding every post again in every epoch.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '@mmaux/datasets';
import { createEncoders, openCache } from '../src/features.js';
import { defaultRunConfig } from '../src/config.js';
import { createLog } from '../src/progress.js';
import type { GridResults, RunResult } from '../src/run-files.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'mmaux-bench-'));

function timed(label: string, args: string[]): { seconds: number; results: GridResults; out: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args, '--json', '--quiet'], { cwd: work, encoding: 'utf8' });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr}`);
  const json = JSON.parse(r.stdout) as GridResults & { out: string };
  return { seconds, results: json, out: json.out };
}

/** Training seconds summed over runs; extraction (done once per data set in a grid) from the first run. */
function split(out: string, results: GridResults): { training: number; extraction: number; runs: number } {
  let training = 0;
  let extraction = 0;
  let runs = 0;
  for (const row of results.rows) {
    for (const run of row.runs) {
      const r = JSON.parse(readFileSync(join(out, run, 'result.json'), 'utf8')) as RunResult;
      training += r.seconds.training;
      if (runs === 0) extraction = r.seconds.extraction;
      runs++;
    }
  }
  return { training, extraction, runs };
}

const demo = timed('mmaux demo', ['demo', '--out', 'demo']);
const d = split(demo.out, demo.results);
console.log(
  `mmaux demo (400 posts, attention, 4 settings × 3 seeds, 15 epochs): ${demo.seconds.toFixed(1)} s wall; feature extraction ${d.extraction.toFixed(1)} s (once); ` +
    `training ${d.training.toFixed(1)} s over ${d.runs} runs (${(d.training / d.runs).toFixed(1)} s/run); data generation, start-up and evaluation ${(demo.seconds - d.training - d.extraction).toFixed(1)} s`,
);
const again = timed('mmaux demo (again)', ['demo', '--out', 'demo']);
console.log(`mmaux demo re-run (everything finished, tables only): ${again.seconds.toFixed(1)} s`);

writeFileSync(
  join(work, 'grid.yaml'),
  'datasets: [{ dataset: synthetic, task: sentiment, size: 300 }]\nmodels: [concat, gmu]\nsettings: [base, +C+M]\nseeds: [1, 2]\nepochs: 10\nhiddenDim: 128\ncacheDir: grid-cache\nout: grid\n',
);
const grid = timed('grid', ['grid', 'grid.yaml']);
const g = split(grid.out, grid.results);
console.log(
  `small grid (sentiment 300 posts, concat+gmu × base,+C+M × 2 seeds, 10 epochs): ${grid.seconds.toFixed(1)} s wall; extraction ${g.extraction.toFixed(1)} s; ` +
    `training ${g.training.toFixed(1)} s over ${g.runs} runs; the rest ${(grid.seconds - g.training - g.extraction).toFixed(1)} s`,
);

// Cache against re-encoding: one epoch's worth of feature batches (all 400 demo posts).
const config = { ...defaultRunConfig('synthetic'), cacheDir: join(work, 'demo', 'features') };
const data = await loadDataset('manifest', join(work, 'demo', 'data', 'synthetic-sarcasm-400', 'manifest.jsonl'));
const posts = data.posts;
const log = createLog({ quiet: true, tty: false, write: () => {}, now: () => performance.now() });
const encoders = await createEncoders(config);
const cache = openCache(config, log);
const { textKey, imageKey } = await import('@mmaux/encoders');
const textKeys = posts.map((p) => textKey(p.text));
const imageKeys = posts.map((p) => imageKey(readFileSync(p.imagePath!)));
const batch = 16;
let t0 = performance.now();
for (let i = 0; i < posts.length; i += batch) {
  await cache.read(encoders.text, textKeys.slice(i, i + batch));
  await cache.read(encoders.image, imageKeys.slice(i, i + batch));
}
const fromCache = (performance.now() - t0) / 1000;
t0 = performance.now();
for (let i = 0; i < posts.length; i += batch) {
  const part = posts.slice(i, i + batch);
  await encoders.text.encode(part.map((p) => p.text));
  await encoders.image.encode(part.map((p) => p.imagePath!));
}
const encoding = (performance.now() - t0) / 1000;
console.log(`one epoch of features for 400 posts (batches of 16): from the cache ${(1000 * fromCache).toFixed(0)} ms, encoding again ${(1000 * encoding).toFixed(0)} ms → the cache is ${(encoding / fromCache).toFixed(1)}× faster (built-in encoders; pretrained ones cost far more to re-run)`);
await cache.close();
await Promise.all([encoders.text.dispose(), encoders.image.dispose()]);
rmSync(work, { recursive: true, force: true });
