// Issue 13's word-identity experiment: does fine-tuning the text encoder's top layers
// (`--finetune-text-layers k`) recover what the frozen features blur, and what do ITC + ITM add?
// The task and the encoder are test/word-identity-task.ts's (its header explains them): a tiny
// BERT whose frozen top layer erases which of six near-synonyms a post uses, and posts whose label
// is exactly that choice, in twin pairs that differ only in the word. This script writes both
// into a temp folder, measures the erasure, trains k ∈ {0, 1, 2} × {base, +C+M} × seeds in
// process (runTraining, the code `mmaux train` runs) and prints the scores and the paired tests.
// It prints figures and asserts nothing.
//
//   tsx bench/finetune-experiment.ts            (from apps/trainer; ≈ 1 min on one core with wasm)
//
// Knobs (environment): WI_SEEDS (1,2,3,4,5), WI_KS (0,1,2), WI_EPOCHS (10), WI_TRAIN_PAIRS (120),
// WI_VAL_PAIRS (30), WI_TEST_PAIRS (60), WI_BACKEND (wasm), WI_THREADS (1),
// WI_SAMPLES (2000 randomisation samples, the grid's default), WI_KEEP (1: keep the temp folder).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveSeed, parseCsv } from '@mmaux/datasets';
import { aggregateSeeds, approximateRandomizationTest } from '@mmaux/metrics';
import { BACKEND_CHOICES, type RunConfig } from '../src/config.js';
import { useBackend } from '../src/environment.js';
import { createLog } from '../src/progress.js';
import { RUN_FILES, type RunResult, type Setting } from '../src/run-files.js';
import { runTraining } from '../src/train-run.js';
import { measureBlur, WORD_IDENTITY_CLASSES, wordIdentityConfig, wordIdentityPairs, writeWordIdentityData, writeWordIdentityEncoder } from '../test/word-identity-task.js';

const list = (name: string, fallback: string) => (process.env[name] ?? fallback).split(',').map((s) => Number(s.trim()));
const int = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const seeds = list('WI_SEEDS', '1,2,3,4,5');
const ks = list('WI_KS', '0,1,2');
const settings: Setting[] = ['base', '+C+M'];
const epochs = int('WI_EPOCHS', 10);
const sizes = { train: int('WI_TRAIN_PAIRS', 120), val: int('WI_VAL_PAIRS', 30), test: int('WI_TEST_PAIRS', 60) };
const backend = (process.env.WI_BACKEND ?? 'wasm') as RunConfig['backend'];
if (!BACKEND_CHOICES.includes(backend)) throw new Error(`WI_BACKEND=${backend} is not one of ${BACKEND_CHOICES.join(', ')}.`);
// One wasm thread for every run (one backend per process; scores do not depend on it).
const threads = int('WI_THREADS', 1);
const samples = int('WI_SAMPLES', 2000);
const DATA_SEED = 1;

const started = performance.now();
const work = mkdtempSync(join(tmpdir(), 'mmaux-finetune-experiment-'));
const log = createLog({ quiet: true, tty: false, write: () => {}, now: () => 0 });
const say = (line: string) => process.stderr.write(`${line}\n`);

const encoder = await writeWordIdentityEncoder(join(work, 'encoder'));
const manifest = await writeWordIdentityData(join(work, 'data'), sizes, DATA_SEED);
const selection = await useBackend(backend, threads);

// The erasure, on the test pairs: cosine similarity of twin texts' features.
const blur = await measureBlur(encoder, wordIdentityPairs(sizes, DATA_SEED).filter((p) => p.split === 'test'));

interface Cell {
  k: number;
  setting: Setting;
  seed: number;
  result: RunResult;
  labels: number[];
  predictions: number[];
}

function testPredictions(dir: string, classes: readonly string[]): { labels: number[]; predictions: number[] } {
  const index = new Map(classes.map((c, i) => [c, i]));
  const rows = parseCsv(readFileSync(join(dir, RUN_FILES.testPredictions), 'utf8')).slice(1);
  return { labels: rows.map((r) => index.get(r.fields[1]!)!), predictions: rows.map((r) => index.get(r.fields[2]!)!) };
}

const cells: Cell[] = [];
const total = ks.length * settings.length * seeds.length;
for (const k of ks) {
  for (const setting of settings) {
    for (const seed of seeds) {
      const out = join(work, 'runs', `k${k}`, setting === 'base' ? 'base' : 'cm', `seed${seed}`);
      const config = wordIdentityConfig({ encoder, manifest, cacheDir: join(work, 'cache'), out, k, setting, seed, epochs, backend, overrides: { threads } });
      const result = await runTraining(config, { log });
      cells.push({ k, setting, seed, result, ...testPredictions(out, result.classes) });
      say(`[${cells.length}/${total}] k=${k} ${setting} seed ${seed}: test accuracy ${result.test.accuracy.toFixed(3)}, macro-F1 ${result.test.f1Macro.toFixed(3)}, best epoch ${result.bestEpoch}, ${result.seconds.training.toFixed(1)} s`);
    }
  }
}

const of = (k: number, setting: Setting) => cells.filter((c) => c.k === k && c.setting === setting).sort((a, b) => a.seed - b.seed);
const fmt = (x: number, digits = 3) => x.toFixed(digits);
const meanSd = (xs: number[]) => {
  const a = aggregateSeeds(xs);
  return `${fmt(a.mean)} ± ${fmt(xs.length > 1 ? a.std : 0)}`;
};

/** Paired over seeds as `mmaux grid` does: test predictions pooled over the seeds, approximate randomisation on macro-F1, one-sided. */
function paired(a: Cell[], b: Cell[], label: string): string {
  const perSeed = a.map((c, i) => c.result.test.f1Macro - b[i]!.result.test.f1Macro);
  const accPerSeed = a.map((c, i) => c.result.test.accuracy - b[i]!.result.test.accuracy);
  const t = approximateRandomizationTest(
    b.flatMap((c) => c.labels),
    a.flatMap((c) => c.predictions),
    b.flatMap((c) => c.predictions),
    'f1Macro',
    { numClasses: WORD_IDENTITY_CLASSES.length, seed: deriveSeed(7, label), samples, alternative: 'greater' },
  );
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const wins = perSeed.filter((d) => d > 0).length;
  const losses = perSeed.filter((d) => d < 0).length;
  return `| ${label} | ${fmt(mean(perSeed))} | ${fmt(mean(accPerSeed))} | ${wins}/${perSeed.length - wins - losses}/${losses} | ${fmt(t.observed)} | ${t.pValue.toPrecision(3)} |`;
}

const lines: string[] = [];
lines.push(`Word-identity task: ${2 * sizes.train} / ${2 * sizes.val} / ${2 * sizes.test} posts (train / val / test, twin pairs), attention fusion (hidden 32), ${epochs} epochs, batch 16, lr 5e-4, encoder lr 1e-5 (the trainer's defaults), seeds ${seeds.join(', ')}, backend ${selection.tfjsBackend}.`);
lines.push('');
const nearOne = (x: number) => `1 − ${(1 - x).toExponential(1)}`;
lines.push(`Erasure (cosine similarity of twin texts' features, ${blur.pairs} test pairs): k = 0 features (the frozen output): pooled mean ${nearOne(blur.outputPooled.mean)} (min ${nearOne(blur.outputPooled.min)}), decisive token mean ${nearOne(blur.outputToken.mean)} (min ${nearOne(blur.outputToken.min)}); the top layer's input (k = 1's cache): pooled mean ${fmt(blur.inputPooled.mean)} (max ${fmt(blur.inputPooled.max)}), decisive token mean ${fmt(blur.inputToken.mean)} (max ${fmt(blur.inputToken.max)}).`);
lines.push('');
lines.push('| k | setting | test macro-F1 (mean ± sd) | test accuracy (mean ± sd) | best epoch (mean) | training s/run |');
lines.push('| --- | --- | --- | --- | --- | --- |');
for (const k of ks) {
  for (const setting of settings) {
    const c = of(k, setting);
    const m = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    lines.push(`| ${k} | ${setting} | ${meanSd(c.map((x) => x.result.test.f1Macro))} | ${meanSd(c.map((x) => x.result.test.accuracy))} | ${m(c.map((x) => x.result.bestEpoch)).toFixed(1)} | ${m(c.map((x) => x.result.seconds.training)).toFixed(1)} |`);
  }
}
lines.push('');
lines.push(`Paired tests over the ${seeds.length} seeds (A vs B, same seed): Δ = A − B per seed, averaged; wins/ties/losses of A on macro-F1; p: approximate randomisation on the seeds' pooled test predictions (macro-F1, ${samples} shuffles, one-sided A > B), as \`mmaux grid\` computes "vs base".`);
lines.push('');
lines.push('| A vs B | mean Δ macro-F1 | mean Δ accuracy | W/T/L | Δ macro-F1 pooled | p |');
lines.push('| --- | --- | --- | --- | --- | --- |');
for (const k of ks.filter((x) => x > 0)) {
  for (const setting of settings) lines.push(paired(of(k, setting), of(0, setting), `k=${k} vs k=0 (${setting})`));
}
for (const k of ks) lines.push(paired(of(k, '+C+M'), of(k, 'base'), `+C+M vs base (k=${k})`));
lines.push('');
lines.push(`Wall time: ${((performance.now() - started) / 1000).toFixed(1)} s for ${total} runs (data, encoder and blur measurement included).`);
console.log(lines.join('\n'));

if (process.env.WI_KEEP === '1') say(`runs kept in ${work}`);
else rmSync(work, { recursive: true, force: true });
