// pnpm bench: training steps/s and samples/s of every fusion kind at the paper's sizes — batch 16,
// text 768-d × 128 tokens, image 768-d × 197 ViT patches or a 7×7 grid (49 tokens) — with the
// paper's objective (0.8·CE + 0.1·ITC + 0.1·ITM, AdamW), on the backend selectBackend picks
// (default wasm), and the achieved FLOP rate as a fraction of a plain matmul's rate on the same
// backend. Prints figures; asserts nothing.
//
// BENCH_BACKEND (wasm | cpu | auto …), BENCH_SECONDS (timed seconds per kind, default 8),
// BENCH_KINDS (comma list), BENCH_LAYOUTS (vit,grid).
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '@mmaux/losses';
import {
  AdamW,
  type BackendChoice,
  createFusionModel,
  createTrainStep,
  FUSION_KINDS,
  type FusionConfig,
  type FusionKind,
  selectBackend,
} from '../src/index.js';

const N = 16;
const L = 128;
const TEXT_DIM = 768;
const IMAGE_DIM = 768;
const NUM_CLASSES = 3;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const KINDS = (process.env.BENCH_KINDS?.split(',') ?? FUSION_KINDS) as FusionKind[];
const LAYOUTS = [
  { key: 'vit', name: 'ViT-B/16: 197 patches (CLS + 14×14), first-token summaries', patches: 197, summary: 'first-token' as const },
  { key: 'grid', name: 'CNN 7×7 grid: 49 tokens, pooled summaries', patches: 49, summary: 'pooled' as const },
].filter((l) => (process.env.BENCH_LAYOUTS ?? 'vit,grid').split(',').includes(l.key));

const mm = (m: number, k: number, n: number) => 2 * m * k * n;

/**
 * Matrix-product FLOPs of one training step (forward + backward), elementwise work ignored.
 * A product whose left operand is a weight-carrying activation costs 3× its forward (forward,
 * dX, dW); a projection of the frozen input features costs 2× (no dX is computed). The image
 * side is computed once per step and shared by the matched and the ITM (swapped-text) pass.
 */
function trainingFlops(c: FusionConfig, p: number, itm: boolean): number {
  const { textDim: dt, imageDim: dv, hiddenDim: h, ffnDim: f, numClasses: k, projectionDim: e } = c;
  const passes = itm ? 2 : 1;
  let prepare = 0;
  let pass = 0;
  switch (c.kind) {
    case 'text-only':
      pass = 2 * mm(N, dt, h);
      break;
    case 'image-only':
      prepare = 2 * mm(N, dv, h);
      break;
    case 'concat':
      pass = 2 * mm(N, dt + dv, h);
      break;
    case 'attention':
      prepare = 2 * 2 * mm(N * p, dv, h);
      pass = 2 * mm(N, dt, h) + 3 * (2 * 2 * N * p * h) + 3 * mm(N, dt + h, h);
      break;
    case 'gmu':
      prepare = 2 * mm(N, dv, h);
      pass = 2 * mm(N, dt, h) + 2 * mm(N, dt + dv, h);
      break;
    case 'single-stream': {
      const s = L + 2 + p;
      prepare = 2 * mm(N * p, dv, h);
      const layer = mm(N * s, h, 3 * h) + 2 * 2 * N * s * s * h + mm(N * s, h, h) + mm(N * s, h, f) + mm(N * s, f, h);
      pass = 2 * mm(N * L, dt, h) + 3 * (c.layers * layer + mm(N, h, h));
      break;
    }
    case 'dual-stream': {
      prepare = 2 * mm(N * p, dv, h);
      const cross = (q: number, kv: number) => mm(N * q, h, h) + mm(N * kv, h, 2 * h) + 2 * 2 * N * q * kv * h + mm(N * q, h, h);
      const self = (s: number) => mm(N * s, h, 3 * h) + 2 * 2 * N * s * s * h + mm(N * s, h, h);
      const ffn = (s: number) => mm(N * s, h, f) + mm(N * s, f, h);
      const layer = cross(L, p) + cross(p, L) + self(L) + self(p) + ffn(L) + ffn(p);
      pass = 2 * mm(N * L, dt, h) + 3 * (c.layers * layer + mm(N, 2 * h, h));
      break;
    }
  }
  const heads = 3 * mm(N, h, k) + (itm ? 3 * mm(N, h, 2) : 0);
  const itc = c.kind === 'text-only' || c.kind === 'image-only' ? 0 : c.itcSource === 'fusion' ? 3 * 2 * mm(N, h, e) : 2 * (mm(N, dt, e) + mm(N, dv, e));
  return prepare + passes * pass + heads + itc;
}

function seededNormal(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

/** GFLOP/s of a plain contiguous [3152, 768]·[768, 768] product (the size of a ViT-batch projection). */
function matmulRate(): number {
  const a = seededNormal([N * 197, 768], 1) as tf.Tensor2D;
  const b = seededNormal([768, 768], 2) as tf.Tensor2D;
  tf.matMul(a, b).dispose();
  let runs = 0;
  const start = performance.now();
  while (runs < 3 || performance.now() - start < 2000) {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    runs++;
  }
  const seconds = (performance.now() - start) / 1000 / runs;
  tf.dispose([a, b]);
  return mm(N * 197, 768, 768) / seconds / 1e9;
}

function batch(patches: number) {
  const rng = createRng(5);
  const mask = new Float32Array(N * L);
  for (let i = 0; i < N; i++) {
    const length = 16 + Math.floor(rng() * (L - 15)); // 16…128 real tokens
    mask.fill(1, i * L, i * L + length);
  }
  return {
    text: { tokens: seededNormal([N, L, TEXT_DIM], 11) as tf.Tensor3D, mask: tf.tensor2d(mask, [N, L]), pooled: seededNormal([N, TEXT_DIM], 12) as tf.Tensor2D },
    image: { patches: seededNormal([N, patches, IMAGE_DIM], 13) as tf.Tensor3D, pooled: seededNormal([N, IMAGE_DIM], 14) as tf.Tensor2D },
    labels: Array.from({ length: N }, (_, i) => i % NUM_CLASSES),
  };
}

const pad = (s: string | number, w: number) => String(s).padStart(w);

async function main() {
  const selection = await selectBackend((process.env.BENCH_BACKEND ?? 'wasm') as BackendChoice);
  console.log(`@mmaux/fusion training benchmark — backend ${selection.backend}: ${selection.reason}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`batch ${N}, text ${TEXT_DIM}-d × ${L} tokens (16–128 real), image ${IMAGE_DIM}-d; objective 0.8·CE + 0.1·ITC + 0.1·ITM (random negatives), AdamW(lr 1e-5, wd 2.5e-4)`);
  console.log('model defaults: late fusion hiddenDim 768; single-/dual-stream hiddenDim 256, 2 layers, 4 heads, FFN 1024; projection 512');
  console.log(`timing: 1 warm-up step, then steps until ${SECONDS} s or 3 steps (at least 1)\n`);
  const rateBefore = matmulRate();
  console.log(`plain matmul [${N * 197}, 768]·[768, 768]: ${rateBefore.toFixed(2)} GFLOP/s\n`);
  const results: Array<{ gflops: number }> = [];
  for (const layout of LAYOUTS) {
    console.log(layout.name);
    console.log('  kind          |  params |  step ms | steps/s | samples/s | GFLOP/step | GFLOP/s | × matmul');
    const data = batch(layout.patches);
    for (const kind of KINDS) {
      const model = createFusionModel(kind, { textDim: TEXT_DIM, imageDim: IMAGE_DIM, numClasses: NUM_CLASSES, summary: layout.summary, seed: 1 });
      const optimizer = new AdamW({ learningRate: 1e-5, weightDecay: 2.5e-4 });
      const trainer = createTrainStep(model, { optimizer, rng: createRng(2) });
      const input = kind === 'text-only' ? { text: data.text, labels: data.labels } : kind === 'image-only' ? { image: data.image, labels: data.labels } : data;
      await trainer.step(input); // warm-up: kernels, wasm heap growth, optimizer moments
      let steps = 0;
      const start = performance.now();
      while (steps < 1 || (steps < 3 && performance.now() - start < SECONDS * 1000)) {
        await trainer.step(input);
        steps++;
      }
      const seconds = (performance.now() - start) / 1000 / steps;
      const flops = trainingFlops(model.config as FusionConfig, layout.patches, trainer.weights.itm > 0);
      const gflops = flops / seconds / 1e9;
      results.push({ gflops });
      console.log(
        `  ${kind.padEnd(13)} |${pad((model.countParameters() / 1e6).toFixed(2) + 'M', 8)} |${pad((seconds * 1000).toFixed(0), 9)} |${pad((1 / seconds).toFixed(2), 8)} |${pad((N / seconds).toFixed(1), 10)} |${pad((flops / 1e9).toFixed(2), 11)} |${pad(gflops.toFixed(2), 8)} |${pad((gflops / rateBefore).toFixed(2), 9)}`,
      );
      optimizer.dispose();
      model.dispose();
    }
    tf.dispose([data.text.tokens, data.text.mask, data.text.pooled, data.image.patches, data.image.pooled]);
    console.log('');
  }
  const rateAfter = matmulRate();
  console.log(`plain matmul again at the end: ${rateAfter.toFixed(2)} GFLOP/s (the fractions above use the first figure; a large gap means the machine was busy)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
