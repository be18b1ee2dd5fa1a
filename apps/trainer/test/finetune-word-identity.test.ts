// Issue 13's word-identity task, reduced (one seed, 120 training posts, cpu): the frozen tiny
// encoder of test/word-identity-task.ts erases which near-synonym a post uses, so k = 0 cannot
// learn a label that is exactly that choice, while `--finetune-text-layers 1` can. The margins
// are structural, not statistical: twin posts (same subject, template and image, different
// decisive word, opposite labels) get the same k = 0 features, so every k = 0 model predicts one
// class for both twins and scores exactly half of the test posts, however it trains; k = 1 is
// asked for ≥ 0.95 of 60 test posts (it reaches 1.0 in 1–2 epochs at this learning rate; a
// chance model would need p ≈ 1e-13 luck).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../src/environment.js';
import { createLog } from '../src/progress.js';
import { RUN_FILES } from '../src/run-files.js';
import { runTraining } from '../src/train-run.js';
import { measureBlur, wordIdentityConfig, wordIdentityPairs, writeWordIdentityData, writeWordIdentityEncoder } from './word-identity-task.js';

const sizes = { train: 60, val: 15, test: 30 };
let root = '';
let encoder = '';
let manifest = '';
const log = createLog({ quiet: true, tty: false, write: () => {}, now: () => 0 });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mmaux-word-identity-'));
  encoder = await writeWordIdentityEncoder(join(root, 'encoder'));
  manifest = await writeWordIdentityData(join(root, 'data'), sizes);
  await useBackend('cpu');
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

function run(k: number) {
  return wordIdentityConfig({ encoder, manifest, cacheDir: join(root, 'cache'), out: join(root, `k${k}`), k, setting: 'base', seed: 1, epochs: 4, backend: 'cpu', overrides: { encoderLr: 1e-3 } });
}

/** Test predictions by post id, from the run's predictions-test.csv. */
function predictionsOf(dir: string): Map<string, string> {
  const rows = readFileSync(join(dir, RUN_FILES.testPredictions), 'utf8').trim().split('\n').slice(1);
  return new Map(rows.map((line) => [line.split(',')[0]!, line.split(',')[2]!]));
}

describe('the word-identity task (--finetune-text-layers k ≥ 1 vs frozen)', () => {
  it('the frozen output is the same for twin texts; the top layer\'s input is not', async () => {
    const blur = await measureBlur(encoder, wordIdentityPairs(sizes, 1).filter((p) => p.split === 'test'));
    expect(blur.pairs).toBe(30);
    // k = 0's features: equal up to float rounding (measured 1 − 1e-13), pooled vector and the word's own token.
    expect(blur.outputPooled.min).toBeGreaterThan(1 - 1e-6);
    expect(blur.outputToken.min).toBeGreaterThan(1 - 1e-6);
    // k = 1's cached features (entering the top layer) still tell the twins apart (measured: pooled mean 0.73–0.77, max 0.88–0.92; token mean 0.12–0.17).
    expect(blur.inputPooled.mean).toBeLessThan(0.85);
    expect(blur.inputPooled.max).toBeLessThan(0.97);
    expect(blur.inputToken.mean).toBeLessThan(0.4);
  }, 60_000);

  it('k = 0 predicts the same class for both twins (accuracy 0.5); k = 1 learns the word (≥ 0.95)', async () => {
    const frozen = await runTraining(run(0), { log });
    const tuned = await runTraining(run(1), { log });
    const predicted = predictionsOf(join(root, 'k0'));
    expect(predicted.size).toBe(2 * sizes.test);
    for (let i = 0; i < sizes.test; i++) expect(predicted.get(`test${i}a`)).toBe(predicted.get(`test${i}b`));
    expect(frozen.test.accuracy).toBe(0.5);
    expect(tuned.test.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(tuned.test.f1Macro).toBeGreaterThanOrEqual(0.95);
  }, 120_000);
});
