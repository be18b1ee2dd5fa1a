// Fixture run and grid directories for the report tests, written from code into os.tmpdir().
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatResultsTable } from '@mmaux/metrics';
import { GRID_FILES, RUN_FILES, type EpochRecord, type GridResults, type RunEnvironment, type RunResult, type SplitReport } from '../src/run-files.js';

/** A class name that must be escaped everywhere it appears. */
export const NASTY_CLASS = '<b>&"';
export const CLASSES = ['positive', 'negative', NASTY_CLASS];

/** A fresh empty folder under the OS temp folder. */
export function tempDir(prefix = 'mmaux-report-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

export const EPOCHS: EpochRecord[] = [1, 2, 3].map((epoch) => ({
  epoch,
  train: {
    loss: 1.2 - 0.2 * epoch,
    ce: 1.0 - 0.15 * epoch,
    itc: 0.5 - 0.1 * epoch,
    itm: null,
    accuracy: 0.5 + 0.1 * epoch,
    retrievalTop1: 0.3,
    itmAccuracy: null,
  },
  val: { loss: [0.9, 0.7, 0.8][epoch - 1]!, accuracy: [0.55, 0.68, 0.66][epoch - 1]!, f1Macro: [0.5, 0.6543, 0.63][epoch - 1]!, f1Weighted: [0.52, 0.66, 0.64][epoch - 1]! },
  learningRate: 0.001,
  best: epoch <= 2,
  seconds: 2.5,
}));

export const TEST_CONFUSION = [
  [11, 2, 0],
  [3, 17, 1],
  [0, 4, 9],
];

const split = (confusion: number[][], acc: number, f1Macro: number, f1Weighted: number): SplitReport => ({
  accuracy: acc,
  f1Macro,
  f1Weighted,
  precisionMacro: 0.75,
  recallMacro: 0.74,
  perClass: [
    { precision: 0.7857, recall: 0.8462, f1: 0.8148, support: 13 },
    { precision: 0.7391, recall: 0.8095, f1: 0.7727, support: 21 },
    { precision: 0.9, recall: 0.6923, f1: 0.7826, support: 13 },
  ],
  confusion,
});

export const RESULT: RunResult = {
  dataset: 'tir',
  model: 'late-fusion',
  setting: '+C',
  seed: 3,
  trainSize: 120,
  classes: CLASSES,
  bestEpoch: 2,
  epochs: 3,
  val: split(
    [
      [6, 1, 0],
      [2, 8, 1],
      [0, 2, 5],
    ],
    0.68,
    0.6543,
    0.66,
  ),
  test: split(TEST_CONFUSION, 0.7872, 0.7901, 0.7845),
  // JSON has no NaN: a run that could not time extraction writes null, shown as "–".
  seconds: { extraction: null as unknown as number, training: 7.5 },
};

const ENVIRONMENT: RunEnvironment = {
  backend: 'wasm',
  backendReason: 'fast default',
  node: 'v20.0.0',
  platform: 'linux-x64',
  versions: { '@tensorflow/tfjs': '4.22.0', '@mmaux/metrics': '0.0.0' },
};

/**
 * Writes a complete run directory (3 epochs, 3 classes) into `dir` (a fresh temp folder when
 * omitted); `complete: false` leaves out result.json.
 */
export async function writeRunDir(options: { dir?: string; complete?: boolean; result?: RunResult } = {}): Promise<string> {
  const dir = options.dir ?? (await tempDir());
  await mkdir(dir, { recursive: true });
  await writeJson(join(dir, RUN_FILES.config), {
    dataset: 'tir',
    model: 'late-fusion',
    aux: ['itc'],
    seed: 3,
    epochs: 3,
    note: '<script>alert("x")</script>',
  });
  await writeJson(join(dir, RUN_FILES.environment), ENVIRONMENT);
  await writeJson(join(dir, RUN_FILES.data), {
    classes: CLASSES,
    report: { dataset: 'tir', read: 200, kept: 190, perSplit: { train: [40, 50, 30], val: [7, 11, 7], test: [13, 21, 13] }, warnings: ['a <warning>'] },
    trainSize: 120,
  });
  await writeFile(join(dir, RUN_FILES.metrics), EPOCHS.map((e) => `${JSON.stringify(e)}\n`).join(''));
  if (options.complete !== false) await writeJson(join(dir, RUN_FILES.result), options.result ?? RESULT);
  return dir;
}

/** The two runs of the fixture grid, relative to the grid directory. */
export const GRID_RUNS = { base: 'runs/tir/late-fusion/base/seed1', cm: 'runs/tir/late-fusion/CM/seed1' };

/**
 * Writes a grid directory with two finished runs (base and +C+M of one model) and results.json
 * whose Markdown comes from formatResultsTable, as the grid command makes it.
 */
export async function writeGridDir(): Promise<string> {
  const dir = await tempDir('mmaux-grid-');
  const base = { ...RESULT, setting: 'base' as const, seed: 1, test: { ...RESULT.test, f1Macro: 0.61 } };
  const cm = { ...RESULT, setting: '+C+M' as const, seed: 1, test: { ...RESULT.test, f1Macro: 0.6789 } };
  await writeRunDir({ dir: join(dir, GRID_RUNS.base), result: base });
  await writeRunDir({ dir: join(dir, GRID_RUNS.cm), result: cm });
  const table = formatResultsTable(
    [
      { model: 'late-fusion', setting: 'base', seeds: [0.61] },
      { model: 'late-fusion', setting: '+C+M', seeds: [0.6789], pValueVsBase: 0.01 },
    ],
    { metric: 'Macro-F1', columns: ['base', '+C+M'] },
  );
  const results: GridResults = {
    rows: [
      { dataset: 'tir', model: 'late-fusion', setting: 'base', trainSize: null, f1Macro: { mean: 0.61, std: 0, n: 1 }, f1Weighted: { mean: 0.6, std: 0, n: 1 }, pValueVsBase: null, runs: [GRID_RUNS.base] },
      { dataset: 'tir', model: 'late-fusion', setting: '+C+M', trainSize: null, f1Macro: { mean: 0.6789, std: 0.02, n: 1 }, f1Weighted: { mean: 0.67, std: 0, n: 1 }, pValueVsBase: 0.01, runs: [GRID_RUNS.cm] },
    ],
    significance: { test: 'approximate-randomization', samples: 1000, alpha: 0.05, seed: 7 },
    markdown: `### tir: Macro-F1\n\n${table.markdown}`,
  };
  await writeJson(join(dir, GRID_FILES.config), { seeds: [1], models: ['late-fusion'] });
  await writeJson(join(dir, GRID_FILES.results), results);
  return dir;
}
