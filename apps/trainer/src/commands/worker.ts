import { MmauxTrainerError } from '../errors.js';
import { parseFlags } from '../flags.js';
import { parseRedisUrl } from '../queue/redis-url.js';
import { runWorker } from '../queue/study-worker.js';
import type { Command } from './context.js';

/** A positive number flag, or its default. */
export function positiveFlag(command: string, flag: string, value: unknown, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new MmauxTrainerError('BAD_CONFIG', `mmaux ${command}: --${flag} ${JSON.stringify(value)} is not a positive ${integer ? 'integer' : 'number'}.`);
  }
  return n;
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'take the jobs of queued studies (mmaux grid --queue) from Redis and run them',
  help: `Usage: mmaux worker --queue URL [--root DIR] [--concurrency N] [--lock-seconds S] [--quiet]

Takes jobs of studies enqueued with mmaux grid STUDY --queue URL: feature-extraction shards,
training runs and the final tables. Start it on every machine that sees the study folder (a
shared filesystem); it writes the same run directories and feature cache as a local grid, with
the same atomic writes. A finished run is skipped; a job whose worker died is taken over by
another worker once its lock expires and resumes from the run's last checkpoint; a failing job
is retried (3 tries), then reported by mmaux grid status without stopping the rest.
Ctrl-C hands the current job back to the queue after the current step (again to quit at once).

  --queue URL         redis://[:password@]host[:port][/db], or rediss://… for TLS (the password
                      is never printed or written)
  --root DIR          the study folder: where mmaux grid --queue was run (default: the current folder)
  --concurrency N     worker processes on this machine (default 1; training is CPU bound)
  --lock-seconds S    how long a job stays locked without a sign of life from its worker before
                      another worker takes it over (default 30)

Examples:
  mmaux worker --queue redis://10.0.0.5:6379 --root /shared/study
  mmaux worker --queue rediss://:secret@redis.example.org:6380/2 --concurrency 2`,
  async run(args, ctx) {
    const { values } = parseFlags('worker', args, {
      queue: { type: 'string' },
      root: { type: 'string' },
      concurrency: { type: 'string' },
      'lock-seconds': { type: 'string' },
    });
    if (typeof values.queue !== 'string') throw new MmauxTrainerError('BAD_CONFIG', 'mmaux worker: give --queue redis://host:6379 (the URL the study was enqueued on).');
    const target = parseRedisUrl(values.queue);
    await runWorker({
      target,
      root: typeof values.root === 'string' ? values.root : '.',
      log: ctx.log,
      signal: ctx.signal,
      concurrency: positiveFlag('worker', 'concurrency', values.concurrency, 1, true),
      lockSeconds: positiveFlag('worker', 'lock-seconds', values['lock-seconds'], 30, false),
      argv: ['worker', ...args],
    });
    if (ctx.signal.aborted) process.exitCode = 130;
  },
};
