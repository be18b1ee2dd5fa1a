// `mmaux worker`: takes study jobs from the queue, one at a time per process. A second process (or
// machine) is a second worker; `--concurrency N` starts N such processes, since training is CPU
// bound and one tfjs engine serves one process. A worker that dies stops renewing its job's lock,
// and another worker takes the job over (BullMQ's stalled-job check) and resumes the run from its
// last checkpoint. Ctrl-C hands the current job back to the queue after the current step.
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { MmauxTrainerError } from '../errors.js';
import type { Log } from '../progress.js';
import { checkJobData, ForeignJobError, GroupMemo, processStudyJob } from './process-job.js';
import type { RedisTarget } from './redis-url.js';
import { describeJob, QUEUE_NAME, type StudyJobData } from './study-jobs.js';
import { openQueue } from './open-queue.js';

/** How long a job of another folder's study waits before a worker looks at it again. */
const FOREIGN_DELAY_MS = 5_000;

/** How a worker runs. */
export interface WorkerOptions {
  target: RedisTarget;
  /** The study folder (absolute or relative to the current folder). */
  root: string;
  log: Log;
  /** Stops the worker: the current job is handed back after its current step. */
  signal: AbortSignal;
  /** Worker processes. @defaultValue 1 */
  concurrency?: number;
  /** Seconds without a lock renewal after which another worker takes a job over. @defaultValue 30 */
  lockSeconds?: number;
  /** Tries of the train jobs this worker releases. @defaultValue 3 */
  attempts?: number;
  /** The CLI's own argv, to start more processes for `concurrency` > 1. */
  argv?: readonly string[];
}

/** Errors that a retry cannot fix: the job fails at once, with its message. */
function isPermanent(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (err instanceof MmauxTrainerError) return ['BAD_CONFIG', 'BAD_INPUT', 'NOT_FOUND', 'BAD_RUN_DIR'].includes(err.code);
  return code === 'INVALID_OPTION' || code === 'INVALID_SPEC';
}

/** Runs `concurrency` single-job worker processes of this CLI until they all stop. */
async function runProcesses(options: WorkerOptions, concurrency: number): Promise<void> {
  const argv = options.argv ?? [];
  const args = [...argv.filter((a, i) => a !== '--concurrency' && argv[i - 1] !== '--concurrency' && !a.startsWith('--concurrency=')), '--concurrency', '1'];
  const children = Array.from({ length: concurrency }, () => spawn(process.execPath, [process.argv[1]!, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, MMAUX_WORKER_CHILD: '1' } }));
  // Ctrl-C reaches the whole process group; a SIGTERM sent to this process alone is passed on.
  options.signal.addEventListener('abort', () => children.forEach((c) => c.connected && c.disconnect()));
  const codes = await Promise.all(children.map((c) => new Promise<number>((done) => c.on('exit', (code) => done(code ?? 1)))));
  if (codes.some((c) => c !== 0 && c !== 130)) throw new MmauxTrainerError('TRAINING_FAILED', `worker processes exited with ${codes.join(', ')}.`);
}

/**
 * Takes jobs until stopped. With `concurrency` > 1 it starts that many worker processes instead.
 *
 * @returns the number of jobs this process finished
 */
export async function runWorker(options: WorkerOptions): Promise<number> {
  const concurrency = options.concurrency ?? 1;
  if (concurrency > 1) {
    await runProcesses(options, concurrency);
    return 0;
  }
  const root = resolve(options.root);
  // Every path of a study is relative to the study folder, as the enqueuing machine wrote it.
  process.chdir(root);
  const { log } = options;
  // Stopped by Ctrl-C / SIGTERM, or (a child of `--concurrency N`) when its parent goes away.
  const stopper = new AbortController();
  const signal = stopper.signal;
  options.signal.addEventListener('abort', () => stopper.abort(), { once: true });
  if (options.signal.aborted) stopper.abort();
  // (Only a child this CLI started: an inherited IPC channel, e.g. under tsx, is not a parent.)
  if (process.env.MMAUX_WORKER_CHILD === '1' && process.send !== undefined) process.once('disconnect', () => stopper.abort());
  const lockMs = Math.round((options.lockSeconds ?? 30) * 1000);
  const name = `${hostname()}:${process.pid}`;
  const queue = await openQueue(options.target);
  const memo = new GroupMemo();
  let done = 0;
  const foreign = new Set<string>();
  const processor = async (job: Job, token?: string): Promise<string> => {
    const what = `job ${job.id}`;
    let data: StudyJobData = { kind: 'tables', study: '?', token: '' };
    const started = performance.now();
    try {
      data = checkJobData(job.data, root, what);
      log.info(`[${name}] ${describeJob(data)} (attempt ${job.attemptsMade + 1}/${job.opts.attempts ?? 1})`);
      const line = await processStudyJob(data, { root, log, signal, queue, attempts: options.attempts ?? 3 }, memo, what);
      done++;
      log.info(`[${name}] ${describeJob(data)}: ${line} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return line;
    } catch (err) {
      if (signal.aborted) {
        // Ctrl-C: back to the queue without using up an attempt; the run resumes from its checkpoint.
        await job.moveToWait(token);
        log.info(`[${name}] ${describeJob(data)}: handed back to the queue`);
        throw new WaitingError();
      }
      if (err instanceof ForeignJobError) {
        // Back to the queue for a while, without using up an attempt: another folder's workers take it.
        if (!foreign.has(String(job.id))) log.warn(`[${name}] ${err.message}`);
        foreign.add(String(job.id));
        await job.moveToDelayed(Date.now() + FOREIGN_DELAY_MS, token);
        throw new DelayedError();
      }
      const message = err instanceof Error ? err.message : String(err);
      log.warn(`[${name}] ${data.study === '?' ? what : describeJob(data)} failed: ${message}`);
      if (isPermanent(err)) throw new UnrecoverableError(message);
      throw err;
    }
  };
  const worker = new Worker(QUEUE_NAME, processor, {
    connection: options.target.connection,
    concurrency: 1,
    name,
    lockDuration: lockMs,
    stalledInterval: Math.max(1000, Math.round(lockMs / 2)),
    // A job whose worker died twice is still retried through its attempts, not failed as stalled.
    maxStalledCount: 2,
    autorun: false,
  });
  worker.on('error', (err) => log.warn(`[${name}] queue: ${err.message}`));
  log.info(`[${name}] worker on ${options.target.redacted}, study folder ${root}; Ctrl-C hands the current job back`);
  const running = worker.run();
  await new Promise<void>((stop) => (signal.aborted ? stop() : signal.addEventListener('abort', () => stop(), { once: true })));
  await worker.close();
  await running;
  await memo.close();
  await queue.close();
  return done;
}
