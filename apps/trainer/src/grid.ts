// The paper's study as one command: data sets × models × {base, +C, +M, +C+M} × seeds (× training
// sizes). Features are extracted once per data set and shared; a finished run is never redone and
// an interrupted one resumes, so re-running a grid continues where it stopped.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { deriveSeed, type LoadedDataset, parseCsv, type Post } from '@mmaux/datasets';
import { type FusionKind, FUSION_KINDS } from '@mmaux/fusion';
import { aggregateSeeds, approximateRandomizationTest, formatResultsTable } from '@mmaux/metrics';
import { auxOf, datasetLabel, resolveRunConfig, type RunConfig, SETTINGS, settingSlug } from './config.js';
import { loadRunData, splitPosts } from './data.js';
import { MmauxTrainerError } from './errors.js';
import { type FeatureSource, prepareFeatures } from './features.js';
import { writeFileAtomic, writeJson } from './files.js';
import { readJsonObject, readOptionalJsonObject } from './read-files.js';
import { extractSkips, loadSkips, logSkipSummary, type SkippedPost } from './skips.js';
import type { Log } from './progress.js';
import { GRID_FILES, type GridResults, type GridRow, RUN_FILES, type RunResult, type Setting } from './run-files.js';
import { runTraining } from './train-run.js';
import { writeReport } from './report/index.js';

/** A grid configuration, every default filled in. */
export interface GridConfig {
  /** One entry per data set: run settings (at least `dataset`, and `data` unless synthetic). */
  datasets: Record<string, unknown>[];
  models: FusionKind[];
  settings: Setting[];
  seeds: number[];
  /** Training sizes (null = the whole training split). */
  trainSizes: (number | null)[];
  /** Run settings shared by every run (epochs, encoders, …). */
  shared: Record<string, unknown>;
  /** The grid directory. */
  out: string;
  /** Approximate-randomisation samples of the significance test. */
  testSamples: number;
}

const GRID_KEYS = ['datasets', 'models', 'settings', 'seeds', 'trainSizes', 'out', 'testSamples'];

function listOf<T>(where: string, key: string, value: unknown, check: (x: unknown) => x is T, allowed: string): T[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every(check)) {
    throw new MmauxTrainerError('BAD_CONFIG', `${where}: ${key} = ${JSON.stringify(value)} is not valid; expected a non-empty list of ${allowed}.`);
  }
  return list as T[];
}

/** Checks a grid config (from a file, flags already merged) and fills in its defaults. */
export function resolveGridConfig(raw: Record<string, unknown>, where: string): GridConfig {
  const shared: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!GRID_KEYS.includes(k)) shared[k] = v;
  for (const k of ['dataset', 'data', 'model', 'aux', 'seed', 'trainSize', 'out']) {
    if (k in shared) throw new MmauxTrainerError('BAD_CONFIG', `${where}: "${k}" is set per run by the grid; use ${k === 'dataset' || k === 'data' ? 'datasets' : k === 'aux' ? 'settings' : `${k === 'trainSize' ? 'trainSizes' : `${k}s`}`} instead.`);
  }
  const datasets = listOf(where, 'datasets', raw.datasets ?? [{ dataset: 'synthetic' }], (x): x is Record<string, unknown> | string => typeof x === 'string' || (typeof x === 'object' && x !== null), 'data set names or mappings like { dataset: tir, data: ./TIR }').map((d) =>
    typeof d === 'string' ? { dataset: d } : (d as Record<string, unknown>),
  );
  const config: GridConfig = {
    datasets,
    models: listOf(where, 'models', raw.models ?? ['attention'], (x): x is FusionKind => FUSION_KINDS.includes(x as FusionKind), FUSION_KINDS.join(', ')),
    settings: listOf(where, 'settings', raw.settings ?? SETTINGS, (x): x is Setting => SETTINGS.includes(x as Setting), SETTINGS.join(', ')),
    seeds: listOf(where, 'seeds', raw.seeds ?? [1, 2, 3], (x): x is number => Number.isInteger(x) && (x as number) >= 0, 'non-negative integers'),
    trainSizes: listOf(where, 'trainSizes', raw.trainSizes ?? [null], (x): x is number | null => x === null || (Number.isInteger(x) && (x as number) > 0), 'positive integers or null (all)'),
    shared,
    out: typeof raw.out === 'string' && raw.out.length > 0 ? raw.out : 'grid',
    testSamples: typeof raw.testSamples === 'number' && Number.isInteger(raw.testSamples) && raw.testSamples >= 100 ? raw.testSamples : 2000,
  };
  // Validate every run's settings now, not after hours of training.
  for (const d of config.datasets) runConfigFor(config, d, config.models[0]!, config.settings[0]!, config.seeds[0]!, config.trainSizes[0]!, where);
  return config;
}

/** A grid read back from its grid.json (the resolved form {@link runGrid} writes). */
export function gridFromFile(saved: Record<string, unknown>, where: string): GridConfig {
  const { shared, ...keys } = saved;
  return resolveGridConfig({ ...(typeof shared === 'object' && shared !== null ? shared : {}), ...keys }, where);
}

/** The run directory of one cell, relative to the grid directory. */
export function runPath(dataset: string, model: string, setting: Setting, seed: number, trainSize: number | null): string {
  return join(GRID_FILES.runs, dataset, model, settingSlug(setting), `${trainSize === null ? '' : `n${trainSize}-`}seed${seed}`);
}

/** The resolved settings of one cell; its `out` is the cell's run directory. */
export function runConfigFor(grid: GridConfig, entry: Record<string, unknown>, model: FusionKind, setting: Setting, seed: number, trainSize: number | null, where: string): RunConfig {
  const c = resolveRunConfig({ ...grid.shared, ...entry }, { model, aux: auxOf(setting), seed, trainSize }, where);
  c.out = join(resolve(grid.out), runPath(datasetLabel(c), model, setting, seed, trainSize));
  return c;
}

/** Test labels and predictions (class indices) of a finished run, read from its files. */
function testPredictions(runDir: string, classes: readonly string[]): { labels: number[]; predictions: number[] } {
  const file = join(runDir, RUN_FILES.testPredictions);
  const rows = parseCsv(readFileSync(file, 'utf8'));
  const index = new Map(classes.map((c, i) => [c, i]));
  const labels: number[] = [];
  const predictions: number[] = [];
  rows.slice(1).forEach(({ fields: r, row }) => {
    const y = index.get(r[1] ?? '');
    const p = index.get(r[2] ?? '');
    if (y === undefined || p === undefined) throw new MmauxTrainerError('BAD_RUN_DIR', `${file} row ${row}: label "${r[1]}" or prediction "${r[2]}" is not one of the run's classes.`);
    labels.push(y);
    predictions.push(p);
  });
  return { labels, predictions };
}

/** The results of a grid's finished runs: one row per data set, size, model and setting. */
export async function gridResults(grid: GridConfig, labelsOf: (entry: Record<string, unknown>) => string): Promise<GridResults> {
  const rows: GridRow[] = [];
  const tables: string[] = [];
  const alpha = 0.05;
  const seed = 7;
  const skipped: Record<string, SkippedPost[]> = {};
  for (const entry of grid.datasets) {
    const dataset = labelsOf(entry);
    // Every post any run of this data set left out, once (runs of other training sizes see other posts).
    const skipsOf = new Map<string, SkippedPost>();
    for (const trainSize of grid.trainSizes) {
      const group: GridRow[] = [];
      const scoresOf = new Map<GridRow, RunResult[]>();
      const pooled = new Map<string, { labels: number[]; predictions: number[] }>();
      for (const model of grid.models) {
        for (const setting of grid.settings) {
          const runs = grid.seeds.map((s) => runPath(dataset, model, setting, s, trainSize));
          const results = runs.map((r) => join(resolve(grid.out), r)).filter((d) => existsSync(join(d, RUN_FILES.result)));
          if (results.length === 0) continue;
          const scores = (await Promise.all(results.map((d) => readJsonObject('gridResults', join(d, RUN_FILES.result))))) as unknown as RunResult[];
          for (const d of results) {
            const data = await readOptionalJsonObject('gridResults', join(d, RUN_FILES.data));
            for (const s of (Array.isArray(data?.skipped) ? data.skipped : []) as SkippedPost[]) skipsOf.set(`${s.stage}\u0000${s.outcome}\u0000${s.reason}\u0000${s.id}`, s);
          }
          const preds = results.map((d, i) => testPredictions(d, scores[i]!.classes));
          pooled.set(`${model}\u0000${setting}`, { labels: preds.flatMap((p) => p.labels), predictions: preds.flatMap((p) => p.predictions) });
          const summary = (xs: number[]) => {
            const a = aggregateSeeds(xs);
            return { mean: a.mean, std: xs.length > 1 ? a.std : 0, n: a.n };
          };
          const row: GridRow = {
            dataset,
            model,
            setting,
            trainSize,
            f1Macro: summary(scores.map((r) => r.test.f1Macro)),
            f1Weighted: summary(scores.map((r) => r.test.f1Weighted)),
            pValueVsBase: null,
            runs: results.map((d) => relative(resolve(grid.out), d)),
          };
          group.push(row);
          scoresOf.set(row, scores);
        }
      }
      for (const row of group) {
        const base = pooled.get(`${row.model}\u0000base`);
        const mine = pooled.get(`${row.model}\u0000${row.setting}`)!;
        // Paired only when both pooled the same seeds (same test posts in the same order).
        if (row.setting === 'base' || base === undefined || base.labels.length !== mine.labels.length) continue;
        const k = Math.max(...base.labels, ...mine.labels, ...base.predictions, ...mine.predictions) + 1;
        row.pValueVsBase = approximateRandomizationTest(base.labels, mine.predictions, base.predictions, 'f1Macro', {
          numClasses: k,
          seed: deriveSeed(seed, row.model, row.setting),
          samples: grid.testSamples,
          alternative: 'greater',
        }).pValue;
      }
      rows.push(...group);
      if (skipsOf.size > 0) skipped[dataset] = [...skipsOf.values()];
      if (group.length === 0) continue;
      const title = `${dataset}${trainSize === null ? '' : `, ${trainSize} training posts`}`;
      for (const [metric, key] of [['Macro-F1', 'f1Macro'], ['Weighted-F1', 'f1Weighted']] as const) {
        const table = formatResultsTable(
          group.map((r) => ({
            model: r.model,
            setting: r.setting,
            seeds: scoresOf.get(r)!.map((s) => s.test[key]),
            ...(r.pValueVsBase === null ? {} : { pValueVsBase: r.pValueVsBase }),
          })),
          { metric, alpha, columns: grid.settings },
        );
        tables.push(`### ${title}: ${metric}\n\n${table.markdown}`);
      }
    }
  }
  return {
    rows,
    significance: { test: 'approximate-randomization', samples: grid.testSamples, alpha, seed },
    markdown: tables.join('\n\n'),
    ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
  };
}

/** The cells of one data set that are not finished, grouped by the cached features they read. */
export interface PendingRuns {
  /** The data set's first cell: what loading the posts needs. */
  probe: RunConfig;
  /** Cells with a result already. */
  finished: number;
  /** Unfinished cells, one group per patch grid (the transformer kinds store a pooled one by default). */
  groups: RunConfig[][];
}

/** What {@link pendingRuns} groups by: runs of one group share the features they read. */
export function featureGroupKey(c: Pick<RunConfig, 'patchGrid' | 'model'>): string {
  return c.patchGrid !== null ? `grid ${c.patchGrid}` : c.model === 'single-stream' || c.model === 'dual-stream' ? 'transformer' : 'encoder';
}

/** Every cell of one data set entry, in the grid's order (sizes, models, settings, seeds). */
export function cellsOf(grid: GridConfig, entry: Record<string, unknown>, where: string): RunConfig[] {
  const cells: RunConfig[] = [];
  for (const trainSize of grid.trainSizes) {
    for (const model of grid.models) {
      for (const setting of grid.settings) {
        for (const seed of grid.seeds) cells.push(runConfigFor(grid, entry, model, setting, seed, trainSize, where));
      }
    }
  }
  return cells;
}

/** The unfinished cells of one data set entry, grouped by the features they read. */
export function pendingRuns(grid: GridConfig, entry: Record<string, unknown>, where: string): PendingRuns {
  const cells = cellsOf(grid, entry, where);
  const byGroup = new Map<string, RunConfig[]>();
  let finished = 0;
  for (const c of cells) {
    if (existsSync(join(c.out, RUN_FILES.result))) finished++;
    else byGroup.set(featureGroupKey(c), [...(byGroup.get(featureGroupKey(c)) ?? []), c]);
  }
  return { probe: cells[0]!, finished, groups: [...byGroup.values()] };
}

/** Every post of a loaded data set in the order extraction reads them (train, val, test). */
export function postsInExtractionOrder(posts: readonly Post[]): Post[] {
  const split = splitPosts(posts);
  return [...split.train, ...split.val, ...split.test];
}

/** Runs one cell (resuming it from its checkpoint when it has one) on features prepared for its group. */
export async function runCell(c: RunConfig, options: { log: Log; signal?: AbortSignal; data: LoadedDataset; features: FeatureSource }): Promise<void> {
  const resume = existsSync(join(c.out, RUN_FILES.checkpoint, 'state.json'));
  await runTraining(c, { log: options.log, data: options.data, features: options.features, force: !resume, resume, ...(options.signal ? { signal: options.signal } : {}) });
}

/** Runs every cell of the grid that is not finished, then writes the tables and the report. */
export async function runGrid(grid: GridConfig, options: { log: Log; signal?: AbortSignal; where: string }): Promise<GridResults> {
  const { log, signal } = options;
  const out = resolve(grid.out);
  await writeJson(join(out, GRID_FILES.config), grid);
  const total = grid.datasets.length * grid.models.length * grid.settings.length * grid.seeds.length * grid.trainSizes.length;
  let index = 0;
  for (const entry of grid.datasets) {
    const { probe, finished, groups } = pendingRuns(grid, entry, options.where);
    index += finished;
    if (groups.length === 0) continue;
    // Every run of a data set reads the same posts and cached features: load and extract once per group.
    const data = await loadRunData(probe, log);
    const posts = postsInExtractionOrder(data.posts);
    let skipsShown = false;
    for (const group of groups) {
      const features = await prepareFeatures(group[0]!, posts, log, signal);
      // Once per data set (its runs share the posts): what loading and extraction left out.
      if (!skipsShown) logSkipSummary(log, [...loadSkips(data.report), ...extractSkips(features.badImages)], data.report.flagged, `each run's data.json, ${GRID_FILES.results} and --json`);
      skipsShown = true;
      try {
        for (const c of group) {
          index++;
          log.info(`[${index}/${total}] ${relative(out, c.out)}`);
          await runCell(c, { log, data, features, ...(signal ? { signal } : {}) });
        }
      } finally {
        await features.close();
      }
    }
  }
  return writeGridResults(grid, options.where);
}

/** Reads the finished runs of the grid and writes its tables (results.{json,md,csv}) and report. */
export async function writeGridResults(grid: GridConfig, where: string): Promise<GridResults> {
  const out = resolve(grid.out);
  const results = await gridResults(grid, (entry) => datasetLabel(resolveRunConfig({ ...grid.shared, ...entry }, {}, where)));
  await writeJson(join(out, GRID_FILES.results), results);
  await writeFileAtomic(join(out, GRID_FILES.markdown), `${results.markdown}\n`);
  await writeFileAtomic(join(out, GRID_FILES.csv), csvOf(results.rows));
  await writeReport(out);
  return results;
}

function csvOf(rows: readonly GridRow[]): string {
  const head = 'dataset,train_size,model,setting,f1_macro_mean,f1_macro_std,f1_weighted_mean,f1_weighted_std,seeds,p_value_vs_base';
  const lines = rows.map((r) =>
    [r.dataset, r.trainSize ?? 'all', r.model, r.setting, r.f1Macro.mean, r.f1Macro.std, r.f1Weighted.mean, r.f1Weighted.std, r.f1Macro.n, r.pValueVsBase ?? ''].join(','),
  );
  return `${[head, ...lines].join('\n')}\n`;
}
