// pnpm bench: one training step of every fusion kind at the paper's sizes — batch 16, text
// 768-d, image 768-d × 197 ViT-B/16 patches — with the paper's objective (0.8·CE + 0.1·ITC +
// 0.1·ITM, AdamW), on the backend selectBackend picks (default wasm). Two text layouts:
// realistic lengths (8–64 real tokens, the batch padded to its longest, the model fed only what
// `model.reads` asks for, as the trainer does) and full 128-token padding (everything passed, as a
// naive caller would). Per kind: ms/step, kernels/step (tf.profile), GFLOP/step of what is
// computed, the achieved rate and its ratio to a plain matmul's, and the training time of a
// TIR-size study. Prints figures; asserts nothing.
//
// BENCH_BACKEND (wasm | cpu | auto …), BENCH_SECONDS (timed seconds per case, default 6),
// BENCH_KINDS (comma list), BENCH_THREADS (wasm threads).
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { fileURLToPath } from 'node:url';
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
  type FusionModel,
  preferredWasmThreads,
  selectBackend,
  type TrainBatch,
} from '../src/index.js';
import { trainingFlops } from './training-flops.js';

const N = 16;
const MAX_LENGTH = 128;
const DIM = 768;
const PATCHES = 197;
/** Image tokens the trainer gives the transformer kinds by default: CLS + a 7 × 7 pooled grid. */
const TRANSFORMER_PATCHES = 50;
const NUM_CLASSES = 3;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const KINDS = (process.env.BENCH_KINDS?.split(',') ?? FUSION_KINDS) as FusionKind[];
// A TIR-size study: 4,500 posts, batch 8, 15 epochs, {base, +C, +M, +C+M} × 3 seeds.
const STUDY = { posts: 4500, batch: 8, epochs: 15, runs: 4 * 3 };

const mm = (m: number, k: number, n: number) => 2 * m * k * n;
const pad = (s: string | number, w: number) => String(s).padStart(w);

/** GFLOP/s of a plain contiguous [3152, 768]·[768, 768] product (a ViT batch's projection). */
function matmulRate(): number {
  const a = tf.randomNormal([N * PATCHES, DIM], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomNormal([DIM, DIM], 0, 1, 'float32', 2) as tf.Tensor2D;
  tf.matMul(a, b).dispose();
  let runs = 0;
  const start = performance.now();
  while (runs < 3 || performance.now() - start < 1000) {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
    runs++;
  }
  const seconds = (performance.now() - start) / 1000 / runs;
  tf.dispose([a, b]);
  return mm(N * PATCHES, DIM, DIM) / seconds / 1e9;
}

type Layout = 'realistic' | 'padded';

/** Random features of `n` posts; realistic: 8–64 real tokens padded to the batch's longest, cut to what the model reads. */
function makeBatch(model: FusionModel, layout: Layout, n: number, seed: number): { batch: TrainBatch; textLength: number; patches: number } {
  const rng = createRng(seed);
  const lengths = Array.from({ length: n }, () => (layout === 'padded' ? 16 + Math.floor(rng() * 113) : 8 + Math.floor(rng() * 57)));
  const reads = model.reads;
  const longest = layout === 'padded' ? MAX_LENGTH : Math.max(...lengths);
  const textLength = layout === 'padded' || reads.textTokens === 'all' ? longest : 1;
  const transformer = model.kind === 'single-stream' || model.kind === 'dual-stream';
  const patches = layout === 'padded' ? PATCHES : reads.imagePatches !== 'all' ? 1 : transformer ? TRANSFORMER_PATCHES : PATCHES;
  const mask = new Float32Array(n * textLength);
  lengths.forEach((len, i) => mask.fill(1, i * textLength, i * textLength + Math.min(len, textLength)));
  const batch: TrainBatch = {
    text: { tokens: tf.randomNormal([n, textLength, DIM], 0, 1, 'float32', seed + 1) as tf.Tensor3D, mask: tf.tensor2d(mask, [n, textLength]), pooled: tf.randomNormal([n, DIM], 0, 1, 'float32', seed + 2) as tf.Tensor2D },
    image: { patches: tf.randomNormal([n, patches, DIM], 0, 1, 'float32', seed + 3) as tf.Tensor3D, pooled: tf.randomNormal([n, DIM], 0, 1, 'float32', seed + 4) as tf.Tensor2D },
    labels: Array.from({ length: n }, (_, i) => i % NUM_CLASSES),
  };
  if (model.kind === 'text-only') delete batch.image;
  if (model.kind === 'image-only') delete batch.text;
  return { batch, textLength: reads.textTokens === 'all' ? longest : textLength, patches };
}

function disposeBatch(batch: TrainBatch): void {
  const tensors: Array<tf.Tensor | undefined> = [...Object.values(batch.text ?? {}), batch.image?.patches, batch.image?.pooled];
  tf.dispose(tensors.filter((t): t is tf.Tensor => t !== undefined));
}

interface Measured {
  ms: number;
  kernels: number;
}

/** Median ms of a step (after two warm-up steps) and the kernels one step launches. */
async function measure(kind: FusionKind, layout: Layout, n: number, ceOnly: boolean): Promise<Measured & { config: FusionConfig; textLength: number; patches: number }> {
  const model = createFusionModel(kind, { textDim: DIM, imageDim: DIM, numClasses: NUM_CLASSES, seed: 1 });
  const optimizer = new AdamW({ learningRate: 1e-5, weightDecay: 2.5e-4 });
  const trainer = createTrainStep(model, { optimizer, rng: createRng(2), ...(ceOnly ? { betaItc: 0, betaItm: 0 } : {}) });
  const { batch, textLength, patches } = makeBatch(model, layout, n, 10);
  await trainer.step(batch);
  await trainer.step(batch);
  const profile = await tf.profile(async () => {
    await trainer.step(batch);
  });
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 3 || (times.length < 50 && performance.now() - start < SECONDS * 1000)) {
    const t0 = performance.now();
    await trainer.step(batch);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const config = model.config as FusionConfig;
  disposeBatch(batch);
  optimizer.dispose();
  model.dispose();
  return { ms: times[Math.floor(times.length / 2)]!, kernels: profile.kernels.length, config, textLength, patches };
}

interface CaseResult {
  kind: FusionKind;
  ceOnly: boolean;
  layout: Layout;
  ms: number;
  kernels: number;
  flops: number;
  studyMs: number | null;
  threads: number | null;
  /** GFLOP/s of the plain matmul in the case's process (same thread count). */
  matmul: number;
}

/** One case in this process (a child of the parent run): what `measure` gives, as a JSON line. */
async function runCase(spec: { kind: FusionKind; ceOnly: boolean; layout: Layout; threads: number | undefined }): Promise<void> {
  const selection = await selectBackend((process.env.BENCH_BACKEND ?? 'wasm') as BackendChoice, spec.threads === undefined ? {} : { threads: spec.threads });
  const unimodal = spec.kind === 'text-only' || spec.kind === 'image-only';
  const m = await measure(spec.kind, spec.layout, N, spec.ceOnly);
  const flops = trainingFlops(m.config, { n: N, textLength: m.textLength, patches: m.patches, itc: !unimodal && !spec.ceOnly, itm: !unimodal && !spec.ceOnly });
  const studyMs = spec.layout === 'realistic' && !spec.ceOnly ? (await measure(spec.kind, spec.layout, STUDY.batch, false)).ms : null;
  const result: CaseResult = { ...spec, ms: m.ms, kernels: m.kernels, flops, studyMs, threads: selection.threads, matmul: matmulRate() };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function main() {
  const caseArg = process.argv.indexOf('--case');
  if (caseArg >= 0) return runCase(JSON.parse(process.argv[caseArg + 1]!));
  const envThreads = process.env.BENCH_THREADS === undefined ? undefined : Number(process.env.BENCH_THREADS);
  const selection = await selectBackend((process.env.BENCH_BACKEND ?? 'wasm') as BackendChoice, envThreads === undefined ? {} : { threads: envThreads });
  console.log(`@mmaux/fusion training benchmark — backend ${selection.backend}: ${selection.reason}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`batch ${N}, text ${DIM}-d, image ${DIM}-d; 0.8·CE + 0.1·ITC + 0.1·ITM (random negatives), AdamW(lr 1e-5, wd 2.5e-4); defaults of createFusionModel`);
  console.log(`realistic: 8–64 real tokens padded to the batch's longest, only what model.reads asks for, the image as the trainer gives it (${PATCHES} ViT patches; ${TRANSFORMER_PATCHES} — CLS + 7×7 — for the transformer kinds); padded: 128 tokens, ${PATCHES} patches, everything`);
  console.log(`each case in its own process, with the thread count the trainer picks for the kind (preferredWasmThreads; BENCH_THREADS overrides)`);
  console.log(`timing: 2 warm-up steps, then the median step of ${SECONDS} s (at least 3 steps); kernels counted by tf.profile over one step`);
  console.log(`study: ${STUDY.posts} posts, batch ${STUDY.batch}, ${STUDY.epochs} epochs, ${STUDY.runs} runs (4 settings × 3 seeds), training steps only, realistic lengths\n`);
  const rate = matmulRate();
  console.log(`plain matmul [${N * PATCHES}, ${DIM}]·[${DIM}, ${DIM}] (${selection.threads ?? '?'} threads): ${rate.toFixed(2)} GFLOP/s\n`);
  console.log('  kind              | text      | threads |  step ms | kernels | GFLOP/step | GFLOP/s | × matmul (same threads)');
  const cases = KINDS.flatMap((kind): Array<{ kind: FusionKind; ceOnly: boolean }> => (kind === 'concat' ? [{ kind, ceOnly: false }, { kind, ceOnly: true }] : [{ kind, ceOnly: false }]));
  const results: CaseResult[] = [];
  for (const { kind, ceOnly } of cases) {
    for (const layout of ['realistic', 'padded'] as const) {
      const spec = { kind, ceOnly, layout, threads: envThreads ?? preferredWasmThreads(kind) };
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--case', JSON.stringify(spec)], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 24 });
      const line = child.stdout.trim().split('\n').pop() ?? '';
      if (child.status !== 0 || !line.startsWith('{')) {
        console.log(`  ${kind} ${layout}: failed (exit ${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        continue;
      }
      const r = JSON.parse(line) as CaseResult;
      results.push(r);
      const gflops = r.flops / (r.ms / 1000) / 1e9;
      const label = `${kind}${ceOnly ? ', CE only' : ''}`;
      console.log(`  ${label.padEnd(17)} | ${layout.padEnd(9)} |${pad(r.threads ?? '-', 8)} |${pad(r.ms.toFixed(1), 9)} |${pad(r.kernels, 8)} |${pad((r.flops / 1e9).toFixed(3), 11)} |${pad(gflops.toFixed(2), 8)} |${pad((gflops / r.matmul).toFixed(2), 9)}`);
    }
  }
  console.log('');
  const steps = Math.ceil(STUDY.posts / STUDY.batch) * STUDY.epochs * STUDY.runs;
  for (const r of results) if (r.studyMs !== null) console.log(`TIR-size study estimate (${r.kind}): ${((steps * r.studyMs) / 3.6e6).toFixed(2)} hours`);
  console.log(`\nplain matmul again at the end: ${matmulRate().toFixed(2)} GFLOP/s (a large gap from the first figure means the machine was busy)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
