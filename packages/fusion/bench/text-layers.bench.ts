// pnpm bench (third part): fine-tuning the top k layers of a BERT-base text encoder
// (TextEncoderLayers: H 768, 12 heads, FFN 3072, 12 layers, vocab 30522) on the wasm backend —
// batch 16 with realistic tweet lengths (15 posts of 8–52 tokens, one of 64: the batch padded to
// 64, mean 32 real tokens), training mode (dropout on). Per k and thread count, each case in its
// own process (a tfjs backend starts once per process): ms of the forward pass alone (eval), of
// forward + backward (tf.variableGrads w.r.t. the stack's variables, the loss reading every real
// token's last hidden state and the pooled output) and of the AdamW update; GFLOP/step counted
// from the matrix products; memory: live tensors after a step (weights + AdamW moments), the
// peak of tensor bytes during a step (tf.profile), and the wasm heap (which never shrinks, so it
// is the process's high-water mark; its hard limit is 4 GiB). Prints figures; asserts nothing.
//
// BENCH_K (comma list of k, all, or all-frozen: 'all' with freezeWordEmbeddings; default
// 1,2,12,all), BENCH_THREADS (default 1,2), BENCH_STEPS
// (timed steps after one warm-up, default 2), BENCH_VOCAB (word-table rows for 'all', default
// 30522; Bernice / XLM-R have 250002), BENCH_LENGTH (the padded length, default 64).
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@mmaux/losses';
import { AdamW, selectBackend, TextEncoderLayers, textLayersConfigFromHf, type TrainableTextLayers } from '../src/index.js';

const N = 16;
const T = Number(process.env.BENCH_LENGTH ?? 64);
const STEPS = Number(process.env.BENCH_STEPS ?? 2);
const VOCAB = Number(process.env.BENCH_VOCAB ?? 30522);
const CONFIG = textLayersConfigFromHf({ model_type: 'bert', vocab_size: VOCAB });
const MiB = 1024 * 1024;

/** A case: k, 'all', or 'all-frozen' ('all' with the word table frozen). */
type Case = TrainableTextLayers | 'all-frozen';

interface CaseResult {
  k: Case;
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

/** Lengths of the batch: 15 in [8, 52], one of T (so the batch pads to T). */
function lengths(seed: number): number[] {
  const rng = createRng(seed);
  return [...Array.from({ length: N - 1 }, () => 8 + Math.floor(rng() * Math.min(45, T - 7))), T];
}

/** Multiply-adds ×2 of the matrix products of one training step (forward, and backward ≈ 2× forward). */
function stepFlops(k: Case): number {
  const { hiddenSize: h, intermediateSize: f, numLayers } = CONFIG;
  const layers = typeof k === 'number' ? k : numLayers;
  const m = N * T;
  const perLayer = 2 * m * (4 * h * h + 2 * h * f) + 2 * 2 * N * T * T * h;
  const pooler = 2 * N * h * h;
  // the first layer of a top-k stack computes no gradient for its (constant) input: 1/3 of its QKV backward
  const skipped = typeof k === 'number' ? 2 * m * 3 * h * h : 0;
  return 3 * (layers * perLayer + pooler) - skipped;
}

/** The wasm module's heap in MiB (null on other backends). */
function heapMiB(): number | null {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8 ? b.wasm.HEAPU8.length / MiB : null;
}

async function runCase(k: Case, threads: number): Promise<CaseResult> {
  const selection = await selectBackend('wasm', { threads });
  const trainableLayers = k === 'all-frozen' ? 'all' : k;
  const stack = new TextEncoderLayers(CONFIG, { trainableLayers, rng: createRng(1), freezeWordEmbeddings: k === 'all-frozen' });
  const variables = stack.namedWeights().filter((w) => w.variable.trainable).map((w) => w.variable);
  const params = variables.reduce((s, v) => s + v.size, 0);
  const lens = lengths(2);
  const maskValues = new Float32Array(N * T);
  lens.forEach((len, i) => maskValues.fill(1, i * T, i * T + len));
  const mask = tf.tensor2d(maskValues, [N, T]);
  const rng = createRng(3);
  const ids = Int32Array.from(maskValues, (m) => (m ? 1000 + Math.floor(rng() * (VOCAB - 1000)) : CONFIG.padTokenId));
  const inputIds = tf.tensor2d(ids, [N, T], 'int32');
  const hidden = tf.randomNormal([N, T, CONFIG.hiddenSize], 0, 1, 'float32', 4) as tf.Tensor3D;
  const input = trainableLayers === 'all' ? { inputIds, mask } : { hidden, mask };
  // the loss reads every real token and the pooled vector, as a fusion model on top would
  const tokenWeights = tf.tidy(() => tf.mul(tf.randomNormal([N, T, CONFIG.hiddenSize], 0, 1, 'float32', 5), tf.reshape(mask, [N, T, 1])));
  const pooledWeights = tf.randomNormal([N, CONFIG.hiddenSize], 0, 1, 'float32', 6);
  const optimizer = new AdamW({ learningRate: 1e-5, weightDecay: 2.5e-4 });
  const dropout = createRng(7);
  const loss = () => {
    const out = stack.forward(input, { training: true, rng: dropout });
    return tf.add(tf.sum(tf.mul(out.hidden, tokenWeights)), tf.sum(tf.mul(out.pooled!, pooledWeights))) as tf.Scalar;
  };
  const forwardMs: number[] = [];
  const trainMs: number[] = [];
  const updateMs: number[] = [];
  for (let s = 0; s <= STEPS; s++) {
    let t0 = performance.now();
    const eval_ = stack.forward(input);
    eval_.pooled!.dataSync();
    const f = performance.now() - t0;
    tf.dispose([eval_.hidden, eval_.pooled!]);
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
  tf.dispose([mask, inputIds, hidden, tokenWeights, pooledWeights]);
  optimizer.dispose();
  stack.dispose();
  return result;
}

function parent(): void {
  const ks = (process.env.BENCH_K ?? '1,2,12,all').split(',').map((s): Case => (s.trim() === 'all' || s.trim() === 'all-frozen' ? (s.trim() as Case) : Number(s)));
  const threadCounts = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
  const lens = lengths(2);
  console.log(`TextEncoderLayers (BERT-base: H ${CONFIG.hiddenSize}, ${CONFIG.numHeads} heads, FFN ${CONFIG.intermediateSize}, ${CONFIG.numLayers} layers, vocab ${VOCAB}) on wasm — node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}`);
  console.log(`batch ${N} padded to ${T} tokens (real tokens: mean ${(lens.reduce((a, b) => a + b, 0) / N).toFixed(1)}, ${Math.min(...lens)}–${Math.max(...lens)}); training mode (dropout 0.1); AdamW; median of ${STEPS} steps after 1 warm-up; each case in its own process\n`);
  console.log('         k | threads | trained (M) | forward ms | fwd+bwd ms | AdamW ms | GFLOP/step | GFLOP/s | live MiB | peak MiB | wasm heap MiB');
  for (const k of ks) {
    for (const threads of threadCounts) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', JSON.stringify({ k, threads })], {
        encoding: 'utf8',
        env: process.env,
        maxBuffer: 1 << 24,
      });
      const line = child.stdout.trim().split('\n').pop() ?? '';
      if (child.status !== 0 || !line.startsWith('{')) {
        console.log(`${String(k).padStart(10)} | ${String(threads).padStart(7)} | failed (exit ${child.status}${child.signal ? `, ${child.signal}` : ''}): ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        continue;
      }
      const r = JSON.parse(line) as CaseResult;
      const cells = [
        String(r.k).padStart(10),
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
  const spec = JSON.parse(process.argv[caseArg + 1]!) as { k: Case; threads: number };
  process.stdout.write(`${JSON.stringify(await runCase(spec.k, spec.threads))}\n`);
} else {
  parent();
}
