import { MmauxTrainerError } from '../errors.js';
import { parseFlags } from '../flags.js';
import { parseRedisUrl } from '../queue/redis-url.js';
import { runWorker } from '../queue/study-worker.js';
import type { Command } from './context.js';
import { WORKER_INFO } from './worker-help.js';

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
  ...WORKER_INFO,
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
