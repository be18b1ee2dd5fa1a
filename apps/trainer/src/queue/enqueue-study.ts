// `mmaux grid STUDY --queue URL`: the study's grid.json written into its grid directory with
// study-relative paths, then one flow on the queue (see study-jobs.ts). Finished runs are not
// enqueued; a study whose flow is still running is left alone; one whose flow ended (done or
// failed) is replaced, so re-running the command retries what failed.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FlowProducer, type FlowJob, type JobsOptions, type Queue } from 'bullmq';
import { datasetLabel, type RunConfig, settingOf } from '../config.js';
import { loadRunData } from '../data.js';
import { writeJson } from '../files.js';
import { readJsonObject } from '../read-files.js';
import { type GridConfig, pendingRuns, postsInExtractionOrder, featureGroupKey, gridFromFile } from '../grid.js';
import type { Log } from '../progress.js';
import { GRID_FILES } from '../run-files.js';
import type { RedisTarget } from './redis-url.js';
import { type CellRef, jobId, QUEUE_NAME, type StudyJobData } from './study-jobs.js';
import { studyRelative } from './study-paths.js';

/** How a study is enqueued. */
export interface EnqueueOptions {
  /** The study folder (workers' --root; the current folder, which relative paths start from): every path of the study must lie inside it. */
  root: string;
  target: RedisTarget;
  queue: Queue;
  log: Log;
  where: string;
  /** Posts per extraction job. @defaultValue 2000 */
  shardPosts?: number;
  /** Tries of a job before it is reported failed. @defaultValue 3 */
  attempts?: number;
}

/** What {@link enqueueStudy} did. */
export interface EnqueueSummary {
  /** The grid directory relative to the study folder: the study's name on the queue. */
  study: string;
  /** `queued`, or `running` when the study's flow was already on the queue (nothing added). */
  state: 'queued' | 'running';
  runs: number;
  finished: number;
  extractJobs: number;
}

/** The grid with every path rewritten relative to `root` (checked to be inside it). */
function portableGrid(grid: GridConfig, root: string, where: string): GridConfig {
  const relPath = (value: unknown, what: string) => (typeof value === 'string' ? studyRelative(root, value, `${where}: ${what}`) : value);
  const localModel = (spec: unknown, what: string) => {
    // hf:/tfjs: specs may name a folder or file; a hub id or URL is left as it is.
    const m = typeof spec === 'string' ? /^(hf|tfjs):(.+)$/.exec(spec) : null;
    if (m === null || !existsSync(resolve(m[2]!.split('#')[0]!))) return spec;
    return `${m[1]}:${relPath(m[2]!, what)}`;
  };
  const portable = (settings: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...settings };
    for (const key of ['data', 'textFile', 'cacheDir'] as const) if (key in out && out[key] !== null) out[key] = relPath(out[key], key);
    for (const key of ['textEncoder', 'imageEncoder'] as const) if (key in out) out[key] = localModel(out[key], key);
    return out;
  };
  return {
    ...grid,
    out: studyRelative(root, grid.out, `${where}: out`),
    shared: portable(grid.shared),
    datasets: grid.datasets.map(portable),
  };
}

/** A run's grid coordinates. */
export const cellOf = (c: RunConfig): CellRef => ({ model: c.model, setting: settingOf(c.aux), seed: c.seed, trainSize: c.trainSize });

/** Job options shared by the study's jobs: bounded retries, and a failure that does not stop the rest. */
export function jobOptions(data: StudyJobData, attempts: number): JobsOptions {
  return { jobId: jobId(data), attempts, backoff: { type: 'exponential', delay: 5_000 }, ignoreDependencyOnFailure: true };
}

/** Removes every job of an ended enqueueing so the study can be enqueued afresh. */
async function removeStudyJobs(queue: Queue, token: string): Promise<void> {
  const jobs = await queue.getJobs(['completed', 'failed', 'waiting', 'delayed', 'waiting-children', 'prioritized'], 0, -1);
  for (const job of jobs) {
    if ((job?.data as StudyJobData | undefined)?.token === token) await job!.remove({ removeChildren: true }).catch(() => undefined);
  }
}

/** The token of the study's last enqueueing from this folder, if any. */
export async function studyToken(gridDir: string, where: string): Promise<string | undefined> {
  const file = join(gridDir, GRID_FILES.queue);
  if (!existsSync(file)) return undefined;
  const token = (await readJsonObject(where, file)).token;
  return typeof token === 'string' ? token : undefined;
}

/**
 * Enqueues a study: checks its paths against the study folder, writes grid.json, and adds one
 * flow (extraction shards → features → train runs → tables).
 *
 * @throws MmauxTrainerError `BAD_CONFIG` for a path outside the study folder
 */
export async function enqueueStudy(grid: GridConfig, options: EnqueueOptions): Promise<EnqueueSummary> {
  const { root, queue, log } = options;
  const shardPosts = options.shardPosts ?? 2000;
  const attempts = options.attempts ?? 3;
  const portable = portableGrid(grid, root, options.where);
  const study = portable.out;
  const previous = await studyToken(resolve(root, study), options.where);
  if (previous !== undefined) {
    const existing = await queue.getJob(jobId({ kind: 'tables', study, token: previous }));
    const state = existing ? await existing.getState() : 'unknown';
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') {
      return { study, state: 'running', runs: 0, finished: 0, extractJobs: 0 };
    }
    await removeStudyJobs(queue, previous);
  }
  const token = randomUUID();
  const tablesData: StudyJobData = { kind: 'tables', study, token };
  await writeJson(join(resolve(root, study), GRID_FILES.config), portable);
  await writeJson(join(resolve(root, study), GRID_FILES.queue), { token });
  // The grid as a worker will read it back: validates the rewritten paths once more.
  const checked = gridFromFile(portable as unknown as Record<string, unknown>, options.where);
  const children: FlowJob[] = [];
  let runs = 0;
  let finished = 0;
  let extractJobs = 0;
  for (const [dataset, entry] of checked.datasets.entries()) {
    const pending = pendingRuns(checked, entry, options.where);
    finished += pending.finished;
    if (pending.groups.length === 0) continue;
    const label = datasetLabel(pending.probe);
    // Loading here also generates a synthetic set once, before any worker needs it.
    const posts = postsInExtractionOrder((await loadRunData(pending.probe, log)).posts).length;
    for (const group of pending.groups) {
      runs += group.length;
      const key = featureGroupKey(group[0]!);
      const base = { study, token, dataset, label, cell: cellOf(group[0]!), group: key };
      const shards: FlowJob[] = [];
      for (let from = 0; from < posts; from += shardPosts) {
        const data: StudyJobData = { kind: 'extract', ...base, from, to: Math.min(posts, from + shardPosts) };
        shards.push({ name: 'extract', queueName: QUEUE_NAME, data, opts: jobOptions(data, attempts) });
      }
      extractJobs += shards.length;
      const features: StudyJobData = { kind: 'features', ...base };
      children.push({ name: 'features', queueName: QUEUE_NAME, data: features, opts: jobOptions(features, attempts), children: shards });
    }
  }
  const flows = new FlowProducer({ connection: options.target.connection });
  try {
    await flows.add({ name: 'tables', queueName: QUEUE_NAME, data: tablesData, opts: { jobId: jobId(tablesData), attempts }, children });
  } finally {
    await flows.close();
  }
  return { study, state: 'queued', runs, finished, extractJobs };
}
