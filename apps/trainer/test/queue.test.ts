// A study on BullMQ through a real redis-server: workers in separate processes give exactly the
// local grid's tables; a worker killed with SIGKILL mid-run, and one stopped with Ctrl-C, lose
// nothing; a poisoned job and one whose path leaves the study folder fail alone, with their
// message in `grid status`; the Redis password never reaches a file or a log.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRedisUrl } from '../src/queue/redis-url.js';
import { jobId, QUEUE_NAME, type StudyJobData } from '../src/queue/study-jobs.js';
import type { StudyStatus } from '../src/queue/study-status.js';
import { mmaux, startMmaux, workDir } from './cli-helpers.js';
import { type RedisServer, redisUnavailable, startRedis } from './redis-server.js';

const PASSWORD = 's3cret-Pw';
const STUDY = [
  'datasets: [{ dataset: synthetic, task: sarcasm, size: 60 }, { dataset: synthetic, task: sentiment, size: 60 }]',
  'models: [concat, gmu]',
  'settings: [base, +C+M]',
  'seeds: [1, 2]',
  'epochs: 4',
  'hiddenDim: 16',
  'cacheDir: cache/features',
  'testSamples: 200',
  'out: study',
].join('\n');

const unavailable = redisUnavailable();
// CI must run these: there, a missing redis-server is a failure, not a skip.
if (unavailable !== null && process.env.CI) throw new Error(`queue tests need redis-server under CI: ${unavailable}`);
if (unavailable !== null) console.warn(`skipping the queue tests: ${unavailable}`);

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

function studyFolder(): string {
  const cwd = workDir();
  writeFileSync(join(cwd, 'study.yaml'), STUDY);
  return cwd;
}

interface Worker {
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | null>;
}

function startWorker(cwd: string, url: string): Worker {
  const child = startMmaux(cwd, 'worker', '--queue', url, '--lock-seconds', '2');
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  return { child, log: () => log, exited: new Promise((r) => child.on('exit', (code) => r(code))) };
}

/** `mmaux ...args` run to completion without blocking the test (the workers' logs keep flowing). */
async function mmauxAsync(cwd: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = startMmaux(cwd, ...args);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  return { code, stdout, stderr };
}

function status(cwd: string, url: string): StudyStatus {
  const r = mmaux(cwd, 'grid', 'status', 'study.yaml', '--queue', url, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as StudyStatus;
}

const workerName = (w: Worker) => `:${w.child.pid}`;

describe.skipIf(unavailable !== null)('mmaux grid --queue and mmaux worker (real Redis)', () => {
  let redis: RedisServer;
  let local: { md: string; csv: string };

  beforeAll(async () => {
    redis = await startRedis({ password: PASSWORD });
    const cwd = studyFolder();
    const r = mmaux(cwd, 'grid', 'study.yaml', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    local = { md: readFileSync(join(cwd, 'study', 'results.md'), 'utf8'), csv: readFileSync(join(cwd, 'study', 'results.csv'), 'utf8') };
  }, 300_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it('two workers give the local tables; a poisoned job and an escaping one fail alone; no password anywhere', async () => {
    const cwd = studyFolder();
    const enqueue = mmaux(cwd, 'grid', 'study.yaml', '--queue', redis.url, '--shard-posts', '25');
    expect(enqueue.code, enqueue.stderr).toBe(0);
    expect(enqueue.stderr).toMatch(/queued study study on redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: 16 run\(s\) \(0 finished before\), 6 extraction job\(s\)/);
    // Enqueueing again while it runs adds nothing.
    expect(mmaux(cwd, 'grid', 'study.yaml', '--queue', redis.url).stderr).toMatch(/already on .* and not finished; nothing added/);

    const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(redis.url).connection });
    const { token } = JSON.parse(readFileSync(join(cwd, 'study', 'queue.json'), 'utf8')) as { token: string };
    const poisoned: StudyJobData = { kind: 'train', study: 'study', token, dataset: 0, label: 'synthetic-sarcasm', cell: { model: 'no-such-model', setting: 'base', seed: 1, trainSize: null }, run: 'runs/poisoned' };
    const escaping: StudyJobData = { kind: 'train', study: 'study', token, dataset: 0, label: 'synthetic-sarcasm', cell: { model: 'concat', setting: 'base', seed: 1, trainSize: null }, run: '../../outside-the-study' };
    const elsewhere: StudyJobData = { kind: 'tables', study: '../elsewhere', token };
    // A job of another folder's study of the same name (another enqueueing): refused, not written here.
    const foreign: StudyJobData = { ...poisoned, token: 'another-enqueueing', cell: { model: 'concat', setting: 'base', seed: 1, trainSize: null }, run: 'runs/foreign' };
    const parent = { id: jobId({ kind: 'tables', study: 'study', token }), queue: queue.qualifiedName };
    await queue.add('train', poisoned, { jobId: 'poisoned', attempts: 3, parent, ignoreDependencyOnFailure: true });
    await queue.add('train', escaping, { jobId: 'escaping', attempts: 3, parent, ignoreDependencyOnFailure: true });
    await queue.add('tables', elsewhere, { jobId: 'elsewhere', attempts: 3 });
    await queue.add('train', foreign, { jobId: 'foreign', attempts: 3 });

    const workers = [startWorker(cwd, redis.url), startWorker(cwd, redis.url)];
    const wait = await mmauxAsync(cwd, 'grid', 'study.yaml', '--queue', redis.url, '--wait', '--quiet');
    // The two bad jobs failed, so --wait prints the tables and exits 1 naming them.
    expect(wait.code, wait.stderr + wait.stdout).toBe(1);
    expect(wait.stdout, wait.stderr).toContain('### synthetic-sarcasm: Macro-F1');
    expect(readFileSync(join(cwd, 'study', 'results.md'), 'utf8')).toBe(local.md);
    expect(readFileSync(join(cwd, 'study', 'results.csv'), 'utf8')).toBe(local.csv);

    const s = status(cwd, redis.url);
    expect(s.runs).toEqual({ total: 16, waiting: 0, active: 0, done: 16, failed: 0 });
    expect(s.tables).toBe('completed');
    expect(s.extraction.map((e) => [e.dataset, e.shardsDone, e.shards, e.ready]).sort()).toEqual([
      ['synthetic-sarcasm', 3, 3, true],
      ['synthetic-sentiment', 3, 3, true],
    ]);
    const failed = new Map(s.failed.map((f) => [f.job, f]));
    expect(failed.get('train runs/poisoned')?.error).toMatch(/run .*no-such-model.* is not a cell of the study \(models concat, gmu/);
    expect(failed.get('train runs/poisoned')?.attempts).toBe(1); // a bad config is not retried
    expect(failed.get('train ../../outside-the-study')?.error).toMatch(/path "study\/..\/..\/outside-the-study" leaves the study folder .*; refused/);
    expect(failed.get('train ../../outside-the-study')?.attempts).toBe(1);
    // Another folder's job is neither run nor failed here: it waits for that folder's workers.
    expect(['delayed', 'waiting']).toContain(await (await queue.getJob('foreign'))!.getState());
    expect((await queue.getJob('foreign'))!.attemptsMade).toBe(0);
    expect(workers.map((w) => w.log()).join('')).toMatch(/queue\.json names another enqueueing of the study under .*: the job belongs to a study enqueued from another folder/);
    expect(existsSync(join(cwd, 'study', 'runs', 'foreign'))).toBe(false);
    const human = mmaux(cwd, 'grid', 'status', 'study.yaml', '--queue', redis.url).stdout;
    expect(human).toMatch(/16\/16 runs done, 0 active, 0 waiting, 0 failed; tables: completed/);
    expect(human).toMatch(/Failed \(re-run mmaux grid --queue to retry them\):\n(.*\n)* {2}train runs\/poisoned: .*no-such-model.*\(after 1 attempt\)/);
    const other = await queue.getJob('elsewhere');
    expect(await other!.getState()).toBe('failed');
    expect(other!.failedReason).toMatch(/path "..\/elsewhere" leaves the study folder/);
    expect(existsSync(join(cwd, '..', 'elsewhere'))).toBe(false);
    expect(existsSync(join(cwd, '..', 'outside-the-study'))).toBe(false);

    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([130, 130]);
    await queue.close();
    const written = [...filesUnder(cwd).map((f) => readFileSync(f).toString('latin1')), ...workers.map((w) => w.log()), enqueue.stderr, wait.stdout, wait.stderr];
    expect(written.filter((t) => t.includes(PASSWORD))).toEqual([]);
  }, 300_000);

  it('a worker killed with SIGKILL mid-run and one stopped with Ctrl-C lose nothing: the tables equal the local ones', async () => {
    // Runs long enough (25 epochs) to be caught mid-training.
    const long = ['datasets: [{ dataset: synthetic, task: sarcasm, size: 60 }]', 'models: [concat]', 'settings: [base, +C+M]', 'seeds: [1, 2]', 'epochs: 25', 'hiddenDim: 16', 'cacheDir: cache/features', 'testSamples: 200', 'out: study'].join('\n');
    const reference = workDir();
    writeFileSync(join(reference, 'study.yaml'), long);
    expect(mmaux(reference, 'grid', 'study.yaml', '--quiet').code).toBe(0);
    const cwd = workDir();
    writeFileSync(join(cwd, 'study.yaml'), long);
    expect(mmaux(cwd, 'grid', 'study.yaml', '--queue', redis.url).code).toBe(0);
    const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(redis.url).connection });
    const trainingOn = async (w: Worker) => {
      // A train job this worker holds, once its run has a checkpoint (so there is something to resume).
      for (const job of await queue.getActive()) {
        const d = job.data as StudyJobData;
        if (d.kind === 'train' && job.processedBy?.endsWith(workerName(w)) && existsSync(join(cwd, 'study', d.run!, 'checkpoint', 'state.json'))) return d.run!;
      }
      return undefined;
    };
    const until = async (what: string, probe: () => Promise<string | undefined>) => {
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        const v = await probe();
        if (v !== undefined) return v;
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    const a = startWorker(cwd, redis.url);
    const b = startWorker(cwd, redis.url);
    const killed = await until('a run in training on worker A', () => trainingOn(a));
    a.child.kill('SIGKILL');
    expect(await a.exited).toBeNull();
    // Ctrl-C on B while it trains: the job goes back to the queue, B exits 130.
    const stopped = await until('a run in training on worker B', () => trainingOn(b));
    b.child.kill('SIGINT');
    expect(await b.exited).toBe(130);
    expect(b.log()).toContain(`train ${stopped}: handed back to the queue`);
    expect(existsSync(join(cwd, 'study', stopped, 'result.json'))).toBe(false);
    const c = startWorker(cwd, redis.url);
    const wait = await mmauxAsync(cwd, 'grid', 'study.yaml', '--queue', redis.url, '--wait', '--quiet');
    expect(wait.code, wait.stderr).toBe(0);
    const s = status(cwd, redis.url);
    expect(s.runs).toEqual({ total: 4, waiting: 0, active: 0, done: 4, failed: 0 });
    expect(s.failed).toEqual([]);
    expect(readFileSync(join(cwd, 'study', 'results.md'), 'utf8')).toBe(readFileSync(join(reference, 'study', 'results.md'), 'utf8'));
    expect(readFileSync(join(cwd, 'study', 'results.csv'), 'utf8')).toBe(readFileSync(join(reference, 'study', 'results.csv'), 'utf8'));
    // Worker C took over the killed run and the handed-back one, resuming each from its checkpoint.
    expect(c.log()).toMatch(new RegExp(`train ${killed.replaceAll('+', '\\+')}: finished`));
    expect(c.log()).toMatch(new RegExp(`train ${stopped.replaceAll('+', '\\+')}: finished`));
    expect(c.log()).toMatch(/resum/i);
    c.child.kill('SIGINT');
    expect(await c.exited).toBe(130);
    await queue.close();
  }, 300_000);

  it('finished runs are not enqueued again; paths outside the study folder and bad URLs are refused before anything is queued', () => {
    const cwd = studyFolder();
    const first = mmaux(cwd, 'grid', 'study.yaml', '--quiet');
    expect(first.code).toBe(0);
    // Everything is finished: only the tables job is queued.
    const again = mmaux(cwd, 'grid', 'study.yaml', '--queue', redis.url);
    expect(again.stderr).toMatch(/: 0 run\(s\) \(16 finished before\), 0 extraction job\(s\)/);

    const outside = workDir();
    writeFileSync(join(outside, 'study.yaml'), `${STUDY}\ncacheDir: ${join(cwd, 'cache')}`.replace('cacheDir: cache/features\n', ''));
    const refused = mmaux(outside, 'grid', 'study.yaml', '--queue', redis.url);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cacheDir ${join(cwd, 'cache')} is outside the study folder ${outside}`);

    const wrongPassword = mmaux(cwd, 'grid', 'status', 'study.yaml', '--queue', redis.url.replace(PASSWORD, 'nope'));
    expect(wrongPassword.code).toBe(1);
    expect(wrongPassword.stderr).toMatch(/cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ \(.*(WRONGPASS|invalid).*\)/i);
    expect(wrongPassword.stderr).not.toContain('nope');
    expect(mmaux(cwd, 'grid', 'status', 'study.yaml').stderr).toMatch(/status needs --queue URL/);
    expect(mmaux(cwd, 'worker', '--queue', 'http://host').stderr).toMatch(/the scheme must be redis:\/\/ or rediss:\/\/ \(TLS\), not http:\/\//);
  }, 300_000);
});
