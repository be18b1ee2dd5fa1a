// pnpm bench (apps/trainer): one small study (2 data sets × 2 models × 2 settings × 2 seeds on
// synthetic posts) run locally, and through a real redis-server with 1 and with 2 workers (separate
// processes, started and ready before the clock starts). Prints wall times and the queue's own
// overhead per job: the gap between a worker finishing one job and starting its next.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { parseRedisUrl } from '../src/queue/redis-url.js';
import { QUEUE_NAME, type StudyJobData } from '../src/queue/study-jobs.js';
import { redisUnavailable, startRedis } from '../test/redis-server.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const STUDY = [
  'datasets: [{ dataset: synthetic, task: sarcasm, size: 120 }, { dataset: synthetic, task: sentiment, size: 120 }]',
  'models: [concat, gmu]',
  'settings: [base, +C+M]',
  'seeds: [1, 2]',
  'epochs: 6',
  'hiddenDim: 32',
  'cacheDir: cache/features',
  'testSamples: 200',
  'out: study',
].join('\n');

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mmaux-queue-bench-'));
  writeFileSync(join(dir, 'study.yaml'), STUDY);
  return dir;
}

/** Runs `mmaux ...args` to completion without blocking this process (the workers' logs keep flowing). */
async function run(cwd: string, ...args: string[]): Promise<void> {
  const { NODE_CHANNEL_FD: _fd, NODE_CHANNEL_SERIALIZATION_MODE: _mode, ...env } = process.env;
  const child = spawn(process.execPath, [CLI, ...args, '--quiet'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  if (code !== 0) throw new Error(`mmaux ${args.join(' ')} failed: ${stderr}`);
}

/** Starts `n` workers and resolves once each has connected. */
async function workers(cwd: string, url: string, n: number) {
  // Not tsx's IPC channel: the workers are plain processes, as on another machine.
  const { NODE_CHANNEL_FD: _fd, NODE_CHANNEL_SERIALIZATION_MODE: _mode, ...env } = process.env;
  const children = Array.from({ length: n }, () => spawn(process.execPath, [CLI, 'worker', '--queue', url], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] }));
  const logs = children.map(() => '');
  await Promise.all(
    children.map(
      (c, i) =>
        new Promise<void>((ready, fail) => {
          c.stderr!.on('data', (b: Buffer) => {
            logs[i] += b.toString();
            if (logs[i]!.includes('worker on')) ready();
          });
          c.on('exit', (code) => code !== 0 && code !== 130 && fail(new Error(`worker exited with ${code}:\n${logs[i]}`)));
        }),
    ),
  );
  return children;
}

async function queued(url: string, n: number): Promise<{ seconds: number; jobs: number; gapMs: number; busy: number }> {
  const cwd = folder();
  const children = await workers(cwd, url, n);
  const t0 = performance.now();
  await run(cwd, 'grid', 'study.yaml', '--queue', url, '--shard-posts', '60');
  await run(cwd, 'grid', 'study.yaml', '--queue', url, '--wait');
  const seconds = (performance.now() - t0) / 1000;
  for (const c of children) c.kill('SIGTERM');
  const queue = new Queue(QUEUE_NAME, { connection: parseRedisUrl(url).connection });
  const jobs = (await queue.getJobs(['completed'], 0, -1)).filter((j) => j !== undefined && (j.data as StudyJobData).study === 'study');
  await queue.obliterate({ force: true });
  await queue.close();
  // Per worker, in the order it took them: the time between finishing a job and starting the next.
  const gaps: number[] = [];
  let busy = 0;
  const byWorker = new Map<string, typeof jobs>();
  for (const j of jobs) byWorker.set(j.processedBy ?? '?', [...(byWorker.get(j.processedBy ?? '?') ?? []), j]);
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.processedOn! - b.processedOn!);
    for (let i = 0; i < list.length; i++) {
      busy += list[i]!.finishedOn! - list[i]!.processedOn!;
      if (i > 0) gaps.push(list[i]!.processedOn! - list[i - 1]!.finishedOn!);
    }
  }
  // A gap also holds waiting for a job to become available (a train job waits for its features job).
  gaps.sort((a, b) => a - b);
  return { seconds, jobs: jobs.length, gapMs: gaps[Math.floor(gaps.length / 2)] ?? 0, busy: busy / 1000 };
}

async function main(): Promise<void> {
  const why = redisUnavailable();
  if (why !== null) {
    console.log(`queue bench skipped: ${why}`);
    return;
  }
  const redis = await startRedis();
  try {
    const local = folder();
    const t0 = performance.now();
    await run(local, 'grid', 'study.yaml');
    const localSeconds = (performance.now() - t0) / 1000;
    console.log(`queue bench: ${STUDY.split('\n').slice(0, 5).join('; ')}`);
    console.log(`  local grid (one process)          ${localSeconds.toFixed(1)} s`);
    for (const n of [1, 2]) {
      const r = await queued(redis.url, n);
      console.log(
        `  queue, ${n} worker${n > 1 ? 's' : ' '}                  ${r.seconds.toFixed(1)} s  (${r.jobs} jobs, ${r.busy.toFixed(1)} s in jobs; median gap between a worker's jobs ${r.gapMs.toFixed(0)} ms)`,
      );
    }
  } finally {
    await redis.stop();
  }
}

await main();
