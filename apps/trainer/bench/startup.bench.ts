// pnpm bench (apps/trainer): start-up of the built `mmaux` binary, the median wall time of N
// spawns of `mmaux --help`, `mmaux train --help` and `mmaux data check` on a small generated data
// set (24 posts, 16×16 images: the check itself is a few ms), next to a bare `node -e 0`.
// The goal is under 0.3 s for these: none of them loads TensorFlow.js (test/cli-startup.test.ts).
// MMAUX_CLI=path/to/cli.js measures another build (e.g. an older one, for a before/after);
// MMAUX_BENCH_RUNS sets N (default 15).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticDataset } from '@mmaux/datasets';

const CLI = process.env.MMAUX_CLI ? resolve(process.env.MMAUX_CLI) : fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const RUNS = Number(process.env.MMAUX_BENCH_RUNS ?? 15);
const work = mkdtempSync(join(tmpdir(), 'mmaux-startup-'));

/** Wall seconds of each of `RUNS` spawns of `node ...args` (after one unmeasured warm-up spawn). */
function spawnTimes(args: string[], expectCode = 0): number[] {
  const once = () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: work, encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    if (r.status !== expectCode) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return seconds;
  };
  once(); // file cache warm, as for a user's second call
  return Array.from({ length: RUNS }, once);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function report(label: string, times: number[]): void {
  const s = [...times].sort((a, b) => a - b);
  console.log(`${label.padEnd(36)} median ${median(times).toFixed(3)} s  (min ${s[0]!.toFixed(3)}, max ${s[s.length - 1]!.toFixed(3)}, n=${times.length})`);
}

try {
  await generateSyntheticDataset(join(work, 'posts'), { task: 'sarcasm', size: 24, seed: 1, imageSize: 16 });
  console.log(`start-up of ${CLI}, ${RUNS} spawns each:`);
  report('node -e 0 (bare Node)', spawnTimes(['-e', '0']));
  report('mmaux --help', spawnTimes([CLI, '--help']));
  report('mmaux train --help', spawnTimes([CLI, 'train', '--help']));
  report('mmaux data check (24 posts)', spawnTimes([CLI, 'data', 'check', 'manifest', '--data', join(work, 'posts', 'manifest.jsonl'), '--quiet']));
  report('mmaux grid --help', spawnTimes([CLI, 'grid', '--help']));
} finally {
  rmSync(work, { recursive: true, force: true });
}
