// The jobs of a queued study and what each carries. One flow per study:
//
//   tables (writes results.{md,csv,json} and report.html once every child is done or failed)
//   ├── features, one per data set × feature group (checks the cache is complete, then adds that
//   │   group's train jobs as further children of tables)
//   │   └── extract, one per shard of posts
//   └── train, one per unfinished run (added by its features job)
//
// Payloads hold indices into the study's grid.json and paths relative to the study folder only.
import type { Setting } from '../run-files.js';

/** The one BullMQ queue every study uses; jobs carry their study. */
export const QUEUE_NAME = 'mmaux';

/** The kinds of job, in the order a study needs them. */
export const JOB_KINDS = ['extract', 'features', 'train', 'tables'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** The cell a job works for: the run's grid coordinates. */
export interface CellRef {
  model: string;
  setting: Setting;
  seed: number;
  trainSize: number | null;
}

/** What every job of a study carries. */
export interface StudyJobData {
  kind: JobKind;
  /** The grid directory, relative to the study folder (it holds grid.json). */
  study: string;
  /**
   * Names this enqueueing of the study (also in its queue.json): a worker whose --root holds
   * another study of the same name, or a later enqueueing, refuses the job instead of writing there.
   */
  token: string;
  /** Index into the grid's `datasets` (not for `tables`). */
  dataset?: number;
  /** The data set's label, for status lines. */
  label?: string;
  /** The run the job trains, or whose features it prepares (its group's first). */
  cell?: CellRef;
  /** `train`: the run directory, relative to the grid directory. */
  run?: string;
  /** `features` / `extract`: the feature group (`encoder`, `transformer`, `grid 7`). */
  group?: string;
  /** `extract`: the posts [from, to) in extraction order. */
  from?: number;
  to?: number;
}

/** A job id: unique per enqueueing of a study, and stable within it (BullMQ ids cannot hold `:`). */
export function jobId(data: StudyJobData): string {
  const parts: (string | number)[] = [data.study, data.token, data.kind];
  if (data.kind === 'train') parts.push(data.run!);
  else if (data.kind !== 'tables') parts.push(data.dataset!, data.group!, ...(data.kind === 'extract' ? [`${data.from}-${data.to}`] : []));
  return parts.join('|').replaceAll(':', '_');
}

/** A job in words, for logs and status. */
export function describeJob(data: StudyJobData): string {
  switch (data.kind) {
    case 'train':
      return `train ${data.run}`;
    case 'extract':
      return `extract ${data.label} (${data.group}) posts ${data.from}–${data.to}`;
    case 'features':
      return `features ${data.label} (${data.group})`;
    default:
      return `tables ${data.study}`;
  }
}
