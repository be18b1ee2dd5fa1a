// `mmaux grid status STUDY --queue URL`: where each run of a queued study stands, from the queue
// (and the run directories: a run finished before the study was enqueued has no job).
import { existsSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { Job, Queue } from 'bullmq';
import { datasetLabel } from '../config.js';
import { cellsOf, type GridConfig } from '../grid.js';
import { RUN_FILES } from '../run-files.js';
import { describeJob, jobId, type StudyJobData } from './study-jobs.js';
import { studyToken } from './enqueue-study.js';
import { studyRelative } from './study-paths.js';

/** Counts of one data set × model. */
export interface StatusRow {
  dataset: string;
  model: string;
  waiting: number;
  active: number;
  done: number;
  failed: number;
}

/** A job running now, or one that failed for good. */
export interface StatusJob {
  job: string;
  /** The worker holding it (`host:pid`), for active jobs. */
  worker?: string;
  /** Its error, for failed jobs. */
  error?: string;
  attempts: number;
}

/** Where a queued study stands. */
export interface StudyStatus {
  study: string;
  queue: string;
  runs: { total: number; waiting: number; active: number; done: number; failed: number };
  rows: StatusRow[];
  /** Extraction per data set and feature group: shards done of total, and whether the features job ran. */
  extraction: { dataset: string; group: string; shardsDone: number; shards: number; failed: number; ready: boolean }[];
  active: StatusJob[];
  failed: StatusJob[];
  /** The tables job: `waiting-children` until every run ended, then `completed` (or `failed`); `absent` when never enqueued. */
  tables: string;
}

const WAITING = new Set(['waiting', 'delayed', 'prioritized', 'waiting-children', 'paused']);

/** Reads the queue and the run directories of a study. */
export async function studyStatus(grid: GridConfig, queue: Queue, redacted: string, where: string): Promise<StudyStatus> {
  const study = studyRelative(process.cwd(), grid.out, `${where}: out`);
  // This folder's enqueueing: another folder's study of the same name has another token.
  const token = await studyToken(resolve(grid.out), where);
  const all = (token === undefined ? [] : await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'waiting-children', 'prioritized'], 0, -1)).filter(
    (j): j is Job => j !== undefined && (j.data as StudyJobData | undefined)?.token === token,
  );
  const states = new Map<Job, string>(await Promise.all(all.map(async (j) => [j, await j.getState()] as const)));
  const byRun = new Map<string, Job>();
  for (const j of all) if ((j.data as StudyJobData).kind === 'train') byRun.set((j.data as StudyJobData).run!, j);
  const rows = new Map<string, StatusRow>();
  const out = resolve(grid.out);
  for (const entry of grid.datasets) {
    for (const c of cellsOf(grid, entry, where)) {
      const label = datasetLabel(c);
      const key = `${label}\u0000${c.model}`;
      const row = rows.get(key) ?? { dataset: label, model: c.model, waiting: 0, active: 0, done: 0, failed: 0 };
      rows.set(key, row);
      const job = byRun.get(relative(out, c.out).split(sep).join('/'));
      const state = job === undefined ? null : states.get(job)!;
      if (existsSync(join(c.out, RUN_FILES.result)) || state === 'completed') row.done++;
      else if (state === 'active') row.active++;
      else if (state === 'failed') row.failed++;
      else row.waiting++; // queued, or not yet released by its data set's features job
    }
  }
  const extraction = new Map<string, StudyStatus['extraction'][number]>();
  for (const j of all) {
    const d = j.data as StudyJobData;
    if (d.kind !== 'extract' && d.kind !== 'features') continue;
    const key = `${d.label}\u0000${d.group}`;
    const e = extraction.get(key) ?? { dataset: d.label!, group: d.group!, shardsDone: 0, shards: 0, failed: 0, ready: false };
    extraction.set(key, e);
    const state = states.get(j);
    if (d.kind === 'features') e.ready = state === 'completed';
    else {
      e.shards++;
      if (state === 'completed') e.shardsDone++;
      if (state === 'failed') e.failed++;
    }
  }
  const jobOf = (j: Job): StatusJob => ({ job: describeJob(j.data as StudyJobData), attempts: j.attemptsMade, ...(j.processedBy ? { worker: j.processedBy } : {}) });
  const active = all.filter((j) => states.get(j) === 'active').map(jobOf);
  const failed = all.filter((j) => states.get(j) === 'failed').map((j) => ({ ...jobOf(j), error: j.failedReason }));
  const tablesJob = token === undefined ? undefined : all.find((j) => j.id === jobId({ kind: 'tables', study, token }));
  const list = [...rows.values()];
  const sum = (k: 'waiting' | 'active' | 'done' | 'failed') => list.reduce((a, r) => a + r[k], 0);
  return {
    study,
    queue: redacted,
    runs: { total: list.reduce((a, r) => a + r.waiting + r.active + r.done + r.failed, 0), waiting: sum('waiting'), active: sum('active'), done: sum('done'), failed: sum('failed') },
    rows: list,
    extraction: [...extraction.values()],
    active,
    failed,
    tables: tablesJob === undefined ? 'absent' : WAITING.has(states.get(tablesJob)!) ? 'waiting' : states.get(tablesJob)!,
  };
}

/** The status for people: one line per data set × model, then active and failed jobs. */
export function formatStudyStatus(s: StudyStatus): string {
  const head = ['data set', 'model', 'waiting', 'active', 'done', 'failed'];
  const cells = s.rows.map((r) => [r.dataset, r.model, String(r.waiting), String(r.active), String(r.done), String(r.failed)]);
  const width = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => (i < 2 ? x.padEnd(width[i]!) : x.padStart(width[i]!))).join('  ');
  const lines = [
    `Study ${s.study} on ${s.queue}: ${s.runs.done}/${s.runs.total} runs done, ${s.runs.active} active, ${s.runs.waiting} waiting, ${s.runs.failed} failed; tables: ${s.tables}`,
    '',
    line(head),
    ...cells.map(line),
  ];
  if (s.extraction.length > 0) {
    lines.push('', 'Extraction:');
    for (const e of s.extraction) lines.push(`  ${e.dataset} (${e.group}): ${e.shardsDone}/${e.shards} shards${e.failed > 0 ? `, ${e.failed} failed` : ''}${e.ready ? ', features ready' : ''}`);
  }
  if (s.active.length > 0) {
    lines.push('', 'Active:');
    for (const j of s.active) lines.push(`  ${j.job}  on ${j.worker ?? '?'}${j.attempts > 0 ? ` (retry ${j.attempts})` : ''}`);
  }
  if (s.failed.length > 0) {
    lines.push('', 'Failed (re-run mmaux grid --queue to retry them):');
    for (const j of s.failed) lines.push(`  ${j.job}: ${j.error ?? 'no message'} (after ${j.attempts} attempt${j.attempts === 1 ? '' : 's'})`);
  }
  return lines.join('\n');
}
