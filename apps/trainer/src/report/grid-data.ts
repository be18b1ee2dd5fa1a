import { isAbsolute, join } from 'node:path';
import { GRID_FILES, RUN_FILES, type GridResults, type GridRow } from '../run-files.js';
import { badRunDir, isObject, pathKind, readJsonObject, readOptionalJsonObject, type JsonObject } from '../read-files.js';

/** One run of a grid row, with its test macro-F1 when it finished. */
export interface GridRunEntry {
  /** Relative to the grid directory, with `/` separators. */
  path: string;
  /** `done`: result.json read; `incomplete`: the run directory exists without it; `missing`: no directory. */
  status: 'done' | 'incomplete' | 'missing';
  seed: number | undefined;
  testF1Macro: number | undefined;
}

/** What a grid directory holds that its report shows. */
export interface GridFiles {
  dir: string;
  /** `grid.json`, when present. */
  config: JsonObject | undefined;
  /** `results.json`, undefined while the grid has not written it. */
  results: GridResults | undefined;
  /** Per results row (same order), its runs. */
  runs: GridRunEntry[][];
}

const FN = 'renderGridReport';

function checkRow(file: string, row: unknown, i: number): GridRow {
  const bad = (what: string) => badRunDir(FN, file, `rows[${i}]${what}`);
  if (!isObject(row)) throw bad(' must be an object');
  for (const key of ['dataset', 'model', 'setting'] as const) if (typeof row[key] !== 'string') throw bad(`.${key} must be a string`);
  if (row.trainSize !== null && typeof row.trainSize !== 'number') throw bad('.trainSize must be a number or null');
  if (!isObject(row.f1Macro) || !isObject(row.f1Weighted)) throw bad('.f1Macro and .f1Weighted must be { mean, std, n } objects');
  if (!Array.isArray(row.runs) || !row.runs.every((r) => typeof r === 'string')) throw bad('.runs must be an array of run directories');
  for (const run of row.runs as string[]) {
    // Links in the report must stay relative to the grid, like the paths the grid writes.
    if (isAbsolute(run) || /^[a-z][a-z0-9+.-]*:/i.test(run)) throw bad(`.runs holds ${JSON.stringify(run)}, which is not a path relative to the grid directory`);
  }
  return row as unknown as GridRow;
}

function checkResults(file: string, value: JsonObject): GridResults {
  if (!Array.isArray(value.rows)) throw badRunDir(FN, file, '"rows" must be an array');
  value.rows.forEach((row, i) => checkRow(file, row, i));
  if (typeof value.markdown !== 'string') throw badRunDir(FN, file, '"markdown" must be a string of Markdown tables');
  return value as unknown as GridResults;
}

async function readRun(dir: string, path: string): Promise<GridRunEntry> {
  const runDir = join(dir, path);
  const base = { path: path.replace(/\\/g, '/'), seed: undefined, testF1Macro: undefined };
  if ((await pathKind(runDir)) !== 'dir') return { ...base, status: 'missing' };
  const resultFile = join(runDir, RUN_FILES.result);
  const result = await readOptionalJsonObject(FN, resultFile);
  if (!result) return { ...base, status: 'incomplete' };
  const test = result.test;
  const f1 = isObject(test) && typeof test.f1Macro === 'number' ? test.f1Macro : undefined;
  return { ...base, status: 'done', seed: typeof result.seed === 'number' ? result.seed : undefined, testF1Macro: f1 };
}

/**
 * Reads a grid directory: `grid.json` and `results.json` (each optional, but one must exist for
 * the directory to be a grid) and the `result.json` of every run its rows list.
 *
 * @param dir - the grid directory
 * @returns the grid's files
 * @throws MmauxTrainerError `BAD_RUN_DIR` when a file is malformed or a run path is not relative
 */
export async function readGridFiles(dir: string): Promise<GridFiles> {
  const config = await readOptionalJsonObject(FN, join(dir, GRID_FILES.config));
  const resultsFile = join(dir, GRID_FILES.results);
  const raw = config === undefined ? await readJsonObject(FN, resultsFile) : await readOptionalJsonObject(FN, resultsFile);
  const results = raw && checkResults(resultsFile, raw);
  const runs: GridRunEntry[][] = [];
  for (const row of results?.rows ?? []) runs.push(await Promise.all(row.runs.map((r) => readRun(dir, r))));
  return { dir, config, results, runs };
}
