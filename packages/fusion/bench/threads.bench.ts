// pnpm bench (second part): what threads buy on the wasm backend under Node. Plain matmul
// GFLOP/s at [3152, 768]·[768, 768] (a ViT batch's projection: 16 × 197 patches) and
// [16, 1536]·[1536, 768] (a fused-pair projection), and elementwise rates (mul, sigmoid: XNNPACK
// kernels that tfjs-backend-wasm runs on its thread pool; exp: a plain loop that it does not), each thread
// count in its own child process (a tfjs backend starts once per process, with a fixed count),
// interleaved over rounds so that load from other processes spreads over both. Prints figures;
// asserts nothing.
//
// BENCH_THREADS (comma list, default 1,2), BENCH_ROUNDS (default 3), BENCH_SECONDS (timed
// seconds per measurement in a child, default 2).
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { medianMs } from '../../../scripts/bench-utils/median-ms.js';
import { selectBackend } from '../src/select-backend.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

interface Measure {
  name: string;
  unit: 'GFLOP/s' | 'Gelem/s';
  ms: number;
  rate: number;
}

interface ChildResult {
  threads: number | null;
  reason: string;
  measures: Measure[];
}

/**
 * Median ms of one call of `f`, over about SECONDS of calls. wasm runs a kernel inside the op
 * call, so no read-back is needed (reading 10 MB back would cost more than an elementwise kernel);
 * one read after the warm-up checks the result is there.
 */
async function time(f: () => tf.Tensor): Promise<number> {
  const call = async () => {
    f().dispose();
  };
  const warm = f();
  warm.dataSync();
  warm.dispose();
  const t0 = performance.now();
  await call();
  const once = performance.now() - t0;
  const runs = Math.min(2000, Math.max(5, Math.ceil((SECONDS * 1000) / Math.max(once, 0.01))));
  return medianMs(runs, call);
}

async function child(threads: number): Promise<ChildResult> {
  const selection = await selectBackend('wasm', { threads });
  const measures: Measure[] = [];
  for (const [m, k, n] of [
    [3152, 768, 768],
    [16, 1536, 768],
  ] as const) {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1) as tf.Tensor2D;
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2) as tf.Tensor2D;
    const ms = await time(() => tf.matMul(a, b));
    measures.push({ name: `matmul [${m}, ${k}]·[${k}, ${n}]`, unit: 'GFLOP/s', ms, rate: (2 * m * k * n) / (ms / 1000) / 1e9 });
    tf.dispose([a, b]);
  }
  const x = tf.randomNormal([3152, 768], 0, 1, 'float32', 3);
  const y = tf.randomNormal([3152, 768], 0, 1, 'float32', 4);
  const elements = x.size;
  for (const [name, f] of [
    ['mul [3152, 768] (XNNPACK, on the pool)', () => tf.mul(x, y)],
    ['sigmoid [3152, 768] (XNNPACK, on the pool)', () => tf.sigmoid(x)],
    ['exp [3152, 768] (plain loop, one thread)', () => tf.exp(x)],
  ] as const) {
    const ms = await time(f);
    measures.push({ name, unit: 'Gelem/s', ms, rate: elements / (ms / 1000) / 1e9 });
  }
  tf.dispose([x, y]);
  return { threads: selection.threads, reason: selection.reason, measures };
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function parent(): void {
  const counts = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  console.log(`wasm threads under Node ${process.version}, ${cores} logical cores, load average ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(`${rounds} rounds × threads ${counts.join(', ')}, each in its own process, interleaved; medians of ~${SECONDS} s per figure\n`);
  const runs = new Map<number, ChildResult[]>(counts.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    for (const threads of r % 2 === 0 ? counts : [...counts].reverse()) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', String(threads)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        timeout: 600_000,
      });
      const result = JSON.parse(out.split('\n').find((l) => l.startsWith('{'))!) as ChildResult;
      runs.get(threads)!.push(result);
      const started = result.reason.split('; ').slice(1).join('; ') || result.reason;
      console.log(`round ${r + 1}, ${threads} thread(s): ${result.measures.map((m) => `${m.rate.toFixed(2)}`).join(' | ')}   (${started}; load ${os.loadavg()[0]!.toFixed(2)})`);
    }
  }
  const names = runs.get(counts[0]!)![0]!.measures.map((m) => m.name);
  const pad = (s: string, w: number) => s.padStart(w);
  console.log(`\n${'measure'.padEnd(44)}${counts.map((c) => pad(`${c} thr (median, min–max)`, 30)).join('')}${counts.length > 1 ? pad(`speed-up ${counts.at(-1)}/${counts[0]}`, 18) : ''}`);
  for (const [i, name] of names.entries()) {
    const unit = runs.get(counts[0]!)![0]!.measures[i]!.unit;
    const stats = counts.map((c) => runs.get(c)!.map((run) => run.measures[i]!.rate));
    const cells = stats.map((v) => pad(`${median(v).toFixed(2)} (${Math.min(...v).toFixed(1)}–${Math.max(...v).toFixed(1)}) ${unit}`, 30));
    const speedup = counts.length > 1 ? pad(`${(median(stats.at(-1)!) / median(stats[0]!)).toFixed(2)}×`, 18) : '';
    console.log(`${name.padEnd(44)}${cells.join('')}${speedup}`);
  }
  console.log(`\nload average at the end ${os.loadavg()[0]!.toFixed(2)} (other processes on the machine lower the multi-threaded figures most)`);
}

if (process.argv[2] === '--child') {
  console.log(JSON.stringify(await child(Number(process.argv[3]))));
} else {
  parent();
}
