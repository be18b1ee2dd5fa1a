// What a worker does with each kind of study job. Every path comes from the study's grid.json
// (study-relative) and is checked against the study folder before anything is read or written.
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { LoadedDataset } from '@mmaux/datasets';
import type { Queue } from 'bullmq';
import { loadRunData } from '../data.js';
import { MmauxTrainerError } from '../errors.js';
import { type FeatureSource, prepareFeatures } from '../features.js';
import type { RunConfig } from '../config.js';
import { featureGroupKey, type GridConfig, pendingRuns, postsInExtractionOrder, gridFromFile, runCell, runConfigFor, writeGridResults } from '../grid.js';
import type { Log } from '../progress.js';
import { readJsonObject } from '../read-files.js';
import { GRID_FILES, RUN_FILES } from '../run-files.js';
import { cellOf, jobOptions, studyToken } from './enqueue-study.js';
import { JOB_KINDS, jobId, type StudyJobData } from './study-jobs.js';
import { insideStudy } from './study-paths.js';

/** A job of a study enqueued from another folder: not this worker's to run (nor to fail). */
export class ForeignJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ForeignJobError';
  }
}

/** What a processor needs besides the job. */
export interface JobContext {
  /** The study folder (absolute); the worker's current folder. */
  root: string;
  log: Log;
  signal: AbortSignal;
  /** Where a features job adds the train jobs it releases. */
  queue: Queue;
  /** Tries of each train job a features job adds. */
  attempts: number;
}

/** Data and features of the last feature group a worker trained: consecutive runs of a group reuse them. */
export class GroupMemo {
  private key: string | null = null;
  private value: { data: LoadedDataset; features: FeatureSource } | null = null;

  async get(key: string, open: () => Promise<{ data: LoadedDataset; features: FeatureSource }>): Promise<{ data: LoadedDataset; features: FeatureSource }> {
    if (this.key === key && this.value !== null) return this.value;
    await this.close();
    this.value = await open();
    this.key = key;
    return this.value;
  }

  async close(): Promise<void> {
    const v = this.value;
    this.key = null;
    this.value = null;
    if (v !== null) await v.features.close();
  }
}

/** A job's payload checked: known kind, study-relative paths inside the study folder. */
export function checkJobData(raw: unknown, root: string, what: string): StudyJobData {
  const d = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<StudyJobData>;
  if (!JOB_KINDS.includes(d.kind as StudyJobData['kind'])) throw new MmauxTrainerError('BAD_INPUT', `${what}: kind ${JSON.stringify(d.kind)} is not one of ${JOB_KINDS.join(', ')}.`);
  insideStudy(root, d.study, what);
  if (d.run !== undefined) insideStudy(root, `${d.study}/${d.run}`, what);
  if (d.kind !== 'tables' && !Number.isInteger(d.dataset)) throw new MmauxTrainerError('BAD_INPUT', `${what}: dataset ${JSON.stringify(d.dataset)} is not an index into the study's data sets.`);
  return d as StudyJobData;
}

/** The study's grid, read back from its grid.json, every path of it inside the study folder. */
async function studyGrid(root: string, data: StudyJobData, what: string): Promise<GridConfig> {
  const file = join(insideStudy(root, data.study, what), GRID_FILES.config);
  if (!existsSync(file)) throw new MmauxTrainerError('NOT_FOUND', `${what}: ${file} is missing; enqueue the study with mmaux grid STUDY --queue URL from the study folder.`);
  const token = await studyToken(insideStudy(root, data.study, what), what);
  if (token !== data.token) {
    throw new ForeignJobError(
      `${what}: ${join(data.study, GRID_FILES.queue)} ${token === undefined ? 'is missing' : 'names another enqueueing of the study'} under ${root}: the job belongs to a study enqueued from another folder (or enqueued again since); left for that folder's workers (start workers with --root set to the folder the study was enqueued from).`,
    );
  }
  const grid = gridFromFile(await readJsonObject(what, file), file);
  insideStudy(root, grid.out, `${what}: out`);
  for (const entry of grid.datasets) {
    for (const key of ['data', 'textFile', 'cacheDir'] as const) {
      const value = entry[key] ?? grid.shared[key];
      if (typeof value === 'string') insideStudy(root, value, `${what}: ${key}`);
    }
  }
  return grid;
}

/** The job's cell as a run config, its run directory checked. */
function cellConfig(grid: GridConfig, data: StudyJobData, root: string, what: string): RunConfig {
  const entry = grid.datasets[data.dataset!];
  if (entry === undefined) throw new MmauxTrainerError('BAD_INPUT', `${what}: the study has no data set ${data.dataset} (it has ${grid.datasets.length}).`);
  const cell = data.cell;
  const model = cell?.model as GridConfig['models'][number];
  if (cell === undefined || !grid.models.includes(model) || !grid.settings.includes(cell.setting) || !grid.seeds.includes(cell.seed) || !grid.trainSizes.includes(cell.trainSize)) {
    throw new MmauxTrainerError('BAD_CONFIG', `${what}: run ${JSON.stringify(cell)} is not a cell of the study (models ${grid.models.join(', ')}; settings ${grid.settings.join(', ')}; seeds ${grid.seeds.join(', ')}).`);
  }
  const c = runConfigFor(grid, entry, model, cell.setting, cell.seed, cell.trainSize, what);
  insideStudy(root, relative(root, c.out), `${what}: run directory`);
  insideStudy(root, relative(root, c.cacheDir), `${what}: cacheDir`);
  return c;
}

/**
 * Runs one study job: extraction shard, features check (releasing its train jobs), a run, or the
 * tables. Returns a line for the log.
 */
export async function processStudyJob(data: StudyJobData, ctx: JobContext, memo: GroupMemo, what: string): Promise<string> {
  const { root, log, signal } = ctx;
  const grid = await studyGrid(root, data, what);
  if (data.kind === 'tables') {
    await memo.close();
    const results = await writeGridResults(grid, what);
    return `wrote ${join(grid.out, GRID_FILES.markdown)} (${results.rows.length} rows)`;
  }
  const c = cellConfig(grid, data, root, what);
  if (data.kind === 'extract') {
    const posts = postsInExtractionOrder((await loadRunData(c, log)).posts).slice(data.from, data.to);
    const features = await prepareFeatures(c, posts, log, signal);
    await features.close();
    return `${posts.length} posts: ${features.computed} encodings computed`;
  }
  // A worker keeps its last group's posts and cache open: the runs of a group follow each other.
  const openGroup = () =>
    memo.get(`${data.study}|${data.dataset}|${featureGroupKey(c)}`, async () => {
      const loaded = await loadRunData(c, log);
      return { data: loaded, features: await prepareFeatures(c, postsInExtractionOrder(loaded.posts), log, signal) };
    });
  if (data.kind === 'features') {
    // Encodes whatever a failed shard left out, then releases the group's unfinished runs.
    await openGroup();
    const group = pendingRuns(grid, grid.datasets[data.dataset!]!, what).groups.find((g) => featureGroupKey(g[0]!) === data.group) ?? [];
    const parent = { id: jobId({ kind: 'tables', study: data.study, token: data.token }), queue: ctx.queue.qualifiedName };
    await ctx.queue.addBulk(
      group.map((run) => {
        const job: StudyJobData = { kind: 'train', study: data.study, token: data.token, dataset: data.dataset!, label: data.label!, cell: cellOf(run), run: relative(resolve(grid.out), run.out).split(sep).join('/') };
        return { name: 'train', data: job, opts: { ...jobOptions(job, ctx.attempts), parent } };
      }),
    );
    return `features ready; ${group.length} run(s) queued`;
  }
  if (existsSync(join(c.out, RUN_FILES.result))) return 'finished before; skipped';
  const { data: loaded, features } = await openGroup();
  await runCell(c, { log, data: loaded, features, signal });
  return 'finished';
}
