// Fine-tuning the top k layers of a ViT-B/16 image encoder (ImageEncoderLayers: H 768, 12 heads,
// FFN 3072, 12 layers, 224 px → 197 tokens) on the wasm backend — batch 16, training mode
// (google/vit's dropout is 0). Per k and thread count, each case in its own process (a tfjs
// backend starts once per process): ms of the forward pass alone (eval), of forward + backward
// (tf.variableGrads w.r.t. the stack's variables, the loss reading every token of the last hidden
// state and the pooled CLS) and of the AdamW update; GFLOP/step counted from the matrix products;
// memory: live tensors after a step (weights + AdamW moments), the peak of tensor bytes during a
// step (tf.profile), and the wasm heap (its high-water mark; hard limit 4 GiB). Prints figures;
// asserts nothing.
//
// BENCH_K (comma list of k, default 1,2), BENCH_THREADS (default 1,2), BENCH_STEPS (timed steps
// after one warm-up, default 2), BENCH_FIRST_TOKEN=1 (forward with firstTokenOnly: the last layer
// at the CLS token only, as for a concat / gmu model; the loss then reads the CLS row and pooled).
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@mmaux/losses';
import { AdamW, ImageEncoderLayers, imageLayersConfigFromHf, selectBackend } from '../src/index.js';

const N = 16;
const STEPS = Number(process.env.BENCH_STEPS ?? 2);
const CONFIG = imageLayersConfigFromHf({ model_type: 'vit' }); // ViTConfig's defaults: ViT-B/16 at 224 px
const T = 1 + (CONFIG.imageSize / CONFIG.patchSize) ** 2;
const MiB = 1024 * 1024;
const FIRST_TOKEN = process.env.BENCH_FIRST_TOKEN === '1';

interface CaseResult {
  k: number;
  threads: number | null;
  forwardMs: number;
  trainMs: number;
  updateMs: number;
  flops: number;
  params: number;
  liveMiB: number;
  peakMiB: number;
  heapMiB: number | null;
}

/** Multiply-adds ×2 of the matrix products of one training step (forward, and backward ≈ 2× forward). */
function stepFlops(k: number): number {
  const { hiddenSize: h, intermediateSize: f } = CONFIG;
  const m = N * T;
  const perLayer = 2 * m * (4 * h * h + 2 * h * f) + 2 * 2 * N * T * T * h;
  // First-token last layer: keys and values for every token; the rest for N rows.
  const firstTokenLayer = 2 * m * (2 * h * h) + 2 * N * (2 * h * h + 2 * h * f) + 2 * 2 * N * T * h;
  return 3 * (FIRST_TOKEN && k > 0 ? (k - 1) * perLayer + firstTokenLayer : k * perLayer);
}

/** The wasm module's heap in MiB (null on other backends). */
function heapMiB(): number | null {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8 ? b.wasm.HEAPU8.length / MiB : null;
}

async function runCase(k: number, threads: number): Promise<CaseResult> {
  const selection = await selectBackend('wasm', { threads });
  const stack = new ImageEncoderLayers(CONFIG, { trainableLayers: k, pooling: 'first', rng: createRng(1) });
  const variables = stack.namedWeights().map((w) => w.variable);
  const params = variables.reduce((s, v) => s + v.size, 0);
  const hidden = tf.randomNormal([N, T, CONFIG.hiddenSize], 0, 1, 'float32', 4) as tf.Tensor3D;
  // the loss reads every token and the CLS, as an attention fusion model on top would (the CLS row alone with BENCH_FIRST_TOKEN)
  const tokenWeights = tf.randomNormal([N, FIRST_TOKEN ? 1 : T, CONFIG.hiddenSize], 0, 1, 'float32', 5);
  const pooledWeights = tf.randomNormal([N, CONFIG.hiddenSize], 0, 1, 'float32', 6);
  const optimizer = new AdamW({ learningRate: 1e-5, weightDecay: 2.5e-4 });
  const dropout = createRng(7);
  const loss = () => {
    const out = stack.forward({ hidden }, { training: true, rng: dropout, firstTokenOnly: FIRST_TOKEN });
    return tf.add(tf.sum(tf.mul(out.hidden, tokenWeights)), tf.sum(tf.mul(out.pooled, pooledWeights))) as tf.Scalar;
  };
  const forwardMs: number[] = [];
  const trainMs: number[] = [];
  const updateMs: number[] = [];
  for (let s = 0; s <= STEPS; s++) {
    let t0 = performance.now();
    const eval_ = stack.forward({ hidden }, { firstTokenOnly: FIRST_TOKEN });
    eval_.pooled.dataSync();
    const f = performance.now() - t0;
    tf.dispose([eval_.hidden, eval_.pooled]);
    t0 = performance.now();
    const { value, grads } = tf.variableGrads(loss, variables);
    value.dataSync();
    const t = performance.now() - t0;
    t0 = performance.now();
    optimizer.applyGradients(grads);
    variables[0]!.dataSync();
    const u = performance.now() - t0;
    tf.dispose([value, ...Object.values(grads)]);
    if (s > 0) {
      forwardMs.push(f);
      trainMs.push(t);
      updateMs.push(u);
    }
  }
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(loss, variables);
    optimizer.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
  });
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const result: CaseResult = {
    k,
    threads: selection.threads,
    forwardMs: median(forwardMs),
    trainMs: median(trainMs),
    updateMs: median(updateMs),
    flops: stepFlops(k),
    params,
    liveMiB: tf.memory().numBytes / MiB,
    peakMiB: profile.peakBytes / MiB,
    heapMiB: heapMiB(),
  };
  tf.dispose([hidden, tokenWeights, pooledWeights]);
  optimizer.dispose();
  stack.dispose();
  return result;
}

function parent(): void {
  const ks = (process.env.BENCH_K ?? '1,2').split(',').map(Number);
  const threadCounts = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
  console.log(`ImageEncoderLayers (ViT-B/16: H ${CONFIG.hiddenSize}, ${CONFIG.numHeads} heads, FFN ${CONFIG.intermediateSize}, ${CONFIG.numLayers} layers, ${T} tokens) on wasm — node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(`batch ${N}; training mode; AdamW; median of ${STEPS} steps after 1 warm-up; each case in its own process${FIRST_TOKEN ? '; firstTokenOnly (last layer at the CLS token)' : ''}\n`);
  console.log('  k | threads | trained (M) | forward ms | fwd+bwd ms | AdamW ms | GFLOP/step | GFLOP/s | live MiB | peak MiB | wasm heap MiB');
  for (const k of ks) {
    for (const threads of threadCounts) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', JSON.stringify({ k, threads })], {
        encoding: 'utf8',
        env: process.env,
        maxBuffer: 1 << 24,
      });
      const line = child.stdout.trim().split('\n').pop() ?? '';
      if (child.status !== 0 || !line.startsWith('{')) {
        console.log(`${String(k).padStart(3)} | ${String(threads).padStart(7)} | failed (exit ${child.status}${child.signal ? `, ${child.signal}` : ''}): ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        continue;
      }
      const r = JSON.parse(line) as CaseResult;
      const cells = [
        String(r.k).padStart(3),
        String(r.threads ?? '-').padStart(7),
        (r.params / 1e6).toFixed(1).padStart(11),
        r.forwardMs.toFixed(0).padStart(10),
        r.trainMs.toFixed(0).padStart(10),
        r.updateMs.toFixed(0).padStart(8),
        (r.flops / 1e9).toFixed(1).padStart(10),
        (r.flops / (r.trainMs / 1000) / 1e9).toFixed(1).padStart(7),
        r.liveMiB.toFixed(0).padStart(8),
        r.peakMiB.toFixed(0).padStart(8),
        (r.heapMiB === null ? '-' : r.heapMiB.toFixed(0)).padStart(13),
      ];
      console.log(cells.join(' | '));
    }
  }
  console.log(`\nload at the end ${os.loadavg()[0]!.toFixed(2)} (other processes on the machine slow the figures, the 2-thread ones most)`);
}

const caseArg = process.argv.indexOf('--case');
if (caseArg >= 0) {
  const spec = JSON.parse(process.argv[caseArg + 1]!) as { k: number; threads: number };
  process.stdout.write(`${JSON.stringify(await runCase(spec.k, spec.threads))}\n`);
} else {
  parent();
}
