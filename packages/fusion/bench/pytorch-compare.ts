// pnpm bench:pytorch (npx tsx bench/pytorch-compare.ts): mmaux's training step against the plain
// PyTorch 1.13 CPU step a user would write instead (bench/pytorch/reference_step.py), side by side
// on this machine, interleaved mmaux / PyTorch for several rounds, medians reported (issue 11).
//
// Both sides run the same model: the PyTorch side is built from mmaux's resolved `model.config`
// (same layers, widths, wiring, `itcSource: 'fusion'`), the same shapes and lengths, the same class
// weights, the same objective (0.8·CE + 0.1·ITC + 0.1·ITM, 'batch' CE, ITM with swapped texts) and
// AdamW(lr 1e-5, wd 2.5e-4). `--check` proves the equivalence: it loads mmaux's weights into the
// PyTorch model and compares logits, losses and gradients.
//
// Cases: concat, gmu, attention, concat CE-only, single-stream, dual-stream (each in two layouts:
// realistic text lengths 8–64, the batch padded to its own longest text as mmaux's trainer would
// feed it; and full 128-token padding), ITC loss fwd+bwd at N = 256, D = 512, and a plain
// [3152, 768]·[768, 768] matmul; fine-tuned BERT-base text layers under concat / attention (issue 13:
// k = 1, 2, 12 on the hidden state entering layer L − k, and 'all' = embeddings + 12 layers from
// token ids; the encoder in its own AdamW group at 1e-5; the PyTorch side a plain torch BertLayer
// stack, post-LN, erf GELU, masked padded keys). Batch 16, image 197 patches (ViT-B/16; in the realistic layout the
// transformer kinds get the trainer's default 50, CLS + 7×7), 768-d features. Each mmaux step runs in
// its own process with the wasm thread count the trainer picks for that kind (preferredWasmThreads;
// BENCH_MMAUX_THREADS overrides).
//
// Env: BENCH_BACKEND (mmaux backend, default wasm), BENCH_CASES (comma list of case keys:
// concat,gmu,attention,concat-ce,single-stream,dual-stream,itc,matmul; also text-only, and
// concat-k1, concat-k2, concat-k12, concat-kall, attention-k1 … attention-kall; 'text-layers' =
// concat,concat-k1,concat-k2,concat-k12,concat-kall),
// BENCH_LAYOUTS (realistic,full), BENCH_ROUNDS (3), BENCH_THREADS (PyTorch threads, 2),
// BENCH_WARMUP (2), BENCH_STEPS (most timed steps per measurement, 10), BENCH_MIN_STEPS (3),
// BENCH_SECONDS (a measurement stops after this many seconds once BENCH_MIN_STEPS ran, 6),
// BENCH_MAX_LOAD (before each measurement wait until other processes' runnable tasks, sampled over
// 1 s from /proc/loadavg, are at most this many, up to BENCH_MAX_WAIT s, default 300; off by default), BENCH_PYTHON (/usr/bin/python3),
// BENCH_VERBOSE=1 (print each check result as JSON), BENCH_CHECK=text-layers (check only the
// text-layer models before timing).
// Flags: --check (the equivalence check only), --json (also print a JSON summary).
// Prints figures; asserts nothing. Without /usr/bin/python3 + torch it says so and measures mmaux
// alone (exit 0). The mmaux side uses the public API only (createFusionModel, createTrainStep,
// AdamW, selectBackend; itcLoss and the loss functions of @mmaux/losses).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  balancedClassWeights,
  contrastiveLogits,
  createRng,
  itcLoss,
  itcLossFromLogits,
  itmLoss,
  jointLoss,
  LogitScale,
  sampleItmPairs,
  weightedCrossEntropy,
} from '@mmaux/losses';
import {
  AdamW,
  type BackendChoice,
  createFusionModel,
  createTrainStep,
  type FusionKind,
  type FusionModel,
  type FusionModelOptions,
  preferredWasmThreads,
  selectBackend,
  TextEncoderLayers,
  textLayerParamGroups,
  textLayersConfigFromHf,
  type TrainableTextLayers,
} from '../src/index.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REFERENCE = path.join(HERE, 'pytorch', 'reference_step.py');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

const N = 16;
const FULL_LENGTH = 128;
const PATCHES = 197;
/** What the trainer feeds the transformer kinds by default: CLS + the ViT grid pooled to 7×7. */
const TRANSFORMER_PATCHES = 50;
const TEXT_DIM = 768;
const IMAGE_DIM = 768;
const NUM_CLASSES = 3;
const ITC_N = 256;
const ITC_D = 512;
const MATMUL = [N * PATCHES, 768, 768] as const;

const envInt = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0, got ${JSON.stringify(raw)}`);
  return v;
};

const ROUNDS = Math.max(1, envInt('BENCH_ROUNDS', 3));
const THREADS = Math.max(1, envInt('BENCH_THREADS', 2));
const MAX_LOAD = process.env.BENCH_MAX_LOAD ? envInt('BENCH_MAX_LOAD', 0) : null;
const MAX_WAIT = envInt('BENCH_MAX_WAIT', 300);
const TIMING = {
  warmup: envInt('BENCH_WARMUP', 2),
  steps: Math.max(1, envInt('BENCH_STEPS', 10)),
  minSteps: Math.max(1, envInt('BENCH_MIN_STEPS', 3)),
  maxSeconds: envInt('BENCH_SECONDS', 6),
};

interface StepCase {
  key: string;
  label: string;
  type: 'step';
  kind: FusionKind;
  ceOnly: boolean;
  target: number | null;
  /** Fine-tuned BERT-base layers under the fusion model (issue 13): k, or 'all' (embeddings + every layer, token ids in). */
  textLayers?: TrainableTextLayers;
}
interface FixedCase {
  key: 'itc' | 'matmul';
  label: string;
  type: 'itc' | 'matmul';
  target: number | null;
}
type Case = StepCase | FixedCase;

const ALL_CASES: Case[] = [
  { key: 'concat', label: 'concat', type: 'step', kind: 'concat', ceOnly: false, target: 1.0 },
  { key: 'gmu', label: 'gmu', type: 'step', kind: 'gmu', ceOnly: false, target: 1.0 },
  { key: 'attention', label: 'attention', type: 'step', kind: 'attention', ceOnly: false, target: 1.0 },
  { key: 'concat-ce', label: 'concat, CE only', type: 'step', kind: 'concat', ceOnly: true, target: 1.5 },
  { key: 'single-stream', label: 'single-stream', type: 'step', kind: 'single-stream', ceOnly: false, target: 2.0 },
  { key: 'dual-stream', label: 'dual-stream', type: 'step', kind: 'dual-stream', ceOnly: false, target: 2.0 },
  { key: 'text-only', label: 'text-only (CE)', type: 'step', kind: 'text-only', ceOnly: true, target: null },
  ...(['concat', 'attention'] as const).flatMap((kind) =>
    ([1, 2, 12, 'all'] as const).map((k): StepCase => ({
      key: `${kind}-k${k}`,
      label: `${kind} + BERT-base ${k === 'all' ? 'all (emb. + 12 layers)' : `top ${k} layer${k === 1 ? '' : 's'}`}`,
      type: 'step',
      kind,
      ceOnly: false,
      target: 1.0,
      textLayers: k,
    })),
  ),
  { key: 'itc', label: `ITC fwd+bwd, N = ${ITC_N}, D = ${ITC_D}`, type: 'itc', target: 2.0 },
  { key: 'matmul', label: `plain matmul [${MATMUL[0]}, ${MATMUL[1]}]·[${MATMUL[1]}, ${MATMUL[2]}]`, type: 'matmul', target: null },
];
const DEFAULT_CASES = 'concat,gmu,attention,concat-ce,single-stream,dual-stream,itc,matmul';
/** BENCH_CASES=text-layers: issue 13's k = 0 (plain concat), 1, 2, 12 and all under concat. */
const TEXT_LAYER_CASES = 'concat,concat-k1,concat-k2,concat-k12,concat-kall';

function selectedCases(): Case[] {
  const keys = (process.env.BENCH_CASES ?? DEFAULT_CASES)
    .split(',')
    .flatMap((s) => (s.trim() === 'text-layers' ? TEXT_LAYER_CASES.split(',') : [s.trim()]))
    .filter(Boolean);
  const unknown = keys.filter((k) => !ALL_CASES.some((c) => c.key === k));
  if (unknown.length > 0) throw new Error(`BENCH_CASES: unknown case(s) ${unknown.join(', ')}; use ${ALL_CASES.map((c) => c.key).join(', ')}`);
  return ALL_CASES.filter((c) => keys.includes(c.key));
}

interface Layout {
  key: 'realistic' | 'full';
  label: string;
  lengths: number[];
  textLength: number;
}

/** Seeded real text lengths, 8–64 tokens (tweets are short). */
function realisticLengths(): number[] {
  const rng = createRng(7);
  return Array.from({ length: N }, () => 8 + Math.floor(rng() * 57));
}

function layouts(all = false): Layout[] {
  const lengths = realisticLengths();
  const longest = Math.max(...lengths);
  const every: Layout[] = [
    { key: 'realistic', label: `realistic lengths (8–64 real tokens, batch padded to its longest: ${longest})`, lengths, textLength: longest },
    { key: 'full', label: `full padding (the same lengths padded to ${FULL_LENGTH})`, lengths, textLength: FULL_LENGTH },
  ];
  const keys = (process.env.BENCH_LAYOUTS ?? 'realistic,full').split(',');
  return every.filter((l) => all || keys.includes(l.key));
}

// ---------------------------------------------------------------------------------------------
// timing: the same rule as reference_step.py's `timed`

async function timed(f: () => Promise<unknown> | unknown): Promise<number[]> {
  for (let i = 0; i < TIMING.warmup; i++) {
    const t0 = performance.now();
    await f();
    if (i === 0 && performance.now() - t0 > (TIMING.maxSeconds * 1000) / 2) break; // slow case: one warm-up
  }
  const times: number[] = [];
  const start = performance.now();
  while (times.length < TIMING.minSteps || (times.length < TIMING.steps && performance.now() - start < TIMING.maxSeconds * 1000)) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return times;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// Python side

interface PythonStatus {
  ok: boolean;
  detail: string;
}

function pythonStatus(): PythonStatus {
  if (!fs.existsSync(PYTHON)) return { ok: false, detail: `${PYTHON} not found` };
  try {
    const out = execFileSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, detail: `PyTorch ${out.trim()} (${PYTHON})` };
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? (err as Error).message).trim().split('\n').pop();
    return { ok: false, detail: `${PYTHON} cannot import torch (${stderr})` };
  }
}

type PyResult = Record<string, unknown> & { median_ms?: number; times_ms?: number[] };

function runPython(args: Record<string, unknown>): PyResult {
  let out: string;
  try {
    out = execFileSync(PYTHON, [REFERENCE, '--json', JSON.stringify(args)], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as { stderr?: unknown; message: string };
    throw new Error(`reference_step.py failed: ${String(e.stderr ?? e.message).trim()}`);
  }
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as PyResult;
}

// ---------------------------------------------------------------------------------------------
// mmaux side

function seededNormal(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed);
}

function maskOf(lengths: number[], textLength: number): Float32Array {
  const mask = new Float32Array(lengths.length * textLength);
  lengths.forEach((len, i) => mask.fill(1, i * textLength, i * textLength + Math.min(len, textLength)));
  return mask;
}

interface BenchBatch {
  text: { tokens: tf.Tensor3D; mask: tf.Tensor2D; pooled: tf.Tensor2D };
  image: { patches: tf.Tensor3D; pooled: tf.Tensor2D };
  labels: number[];
}

const isTransformer = (kind: FusionKind) => kind === 'single-stream' || kind === 'dual-stream';
/** Patches a kind is given: the trainer's default input in the realistic layout, all 197 when fully padded. */
const patchesFor = (kind: FusionKind, layout: Layout) => (layout.key === 'realistic' && isTransformer(kind) ? TRANSFORMER_PATCHES : PATCHES);

function benchBatch(layout: Layout, patches: number): BenchBatch {
  return {
    text: {
      tokens: seededNormal([N, layout.textLength, TEXT_DIM], 11) as tf.Tensor3D,
      mask: tf.tensor2d(maskOf(layout.lengths, layout.textLength), [N, layout.textLength]),
      pooled: seededNormal([N, TEXT_DIM], 12) as tf.Tensor2D,
    },
    image: { patches: seededNormal([N, patches, IMAGE_DIM], 13) as tf.Tensor3D, pooled: seededNormal([N, IMAGE_DIM], 14) as tf.Tensor2D },
    labels: Array.from({ length: N }, (_, i) => i % NUM_CLASSES),
  };
}

function disposeBatch(b: BenchBatch): void {
  tf.dispose([b.text.tokens, b.text.mask, b.text.pooled, b.image.patches, b.image.pooled]);
}

/** Class weights as a training split would give them ("balanced", a skewed 3-class split). */
const TRAIN_LABELS = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : i < 800 ? 1 : 2));
const CLASS_WEIGHTS = balancedClassWeights(TRAIN_LABELS, NUM_CLASSES);

interface Measured {
  times: number[];
  median: number;
  params?: number;
  extra?: Record<string, unknown>;
}

/** BERT-base (H 768, 12 heads, FFN 3072, 12 layers, vocab 30522), HF's defaults. */
const BERT_BASE = textLayersConfigFromHf({ model_type: 'bert' });
const ENCODER_LR = 1e-5;

/**
 * The top k layers of BERT-base for a case, as the trainer builds them for a model that reads
 * the first token (no pooler: nothing reads the pooled vector); initial values seeded.
 */
function textLayersFor(c: StepCase): TextEncoderLayers | null {
  return c.textLayers === undefined ? null : new TextEncoderLayers(BERT_BASE, { trainableLayers: c.textLayers, pooler: false, rng: createRng(5) });
}

/** What a model with text layers reads: the hidden state entering layer L − k (the cached tokens), or token ids for 'all'. */
function textLayersInput(c: StepCase, batch: BenchBatch): { hidden: tf.Tensor3D; mask: tf.Tensor2D } | { inputIds: tf.Tensor2D; mask: tf.Tensor2D } {
  if (c.textLayers !== 'all') return { hidden: batch.text.tokens, mask: batch.text.mask };
  const rng = createRng(9);
  const mask = batch.text.mask.dataSync();
  const ids = Int32Array.from(mask, (m) => (m === 1 ? 1000 + Math.floor(rng() * (BERT_BASE.vocabSize - 1000)) : BERT_BASE.padTokenId));
  return { inputIds: tf.tensor2d(ids, batch.text.mask.shape, 'int32'), mask: batch.text.mask };
}

async function measureMmauxStep(c: StepCase, batch: BenchBatch): Promise<{ m: Measured; model: { config: object; params: number } }> {
  const textLayers = textLayersFor(c);
  const model = createFusionModel(c.kind, { textDim: TEXT_DIM, imageDim: IMAGE_DIM, numClasses: NUM_CLASSES, seed: 1, ...(textLayers ? { textLayers } : {}) });
  // The encoder at its own rate (the paper's 1e-5), as the trainer's --encoder-lr.
  const paramGroups = textLayers ? textLayerParamGroups(textLayers, { learningRate: ENCODER_LR }) : undefined;
  const optimizer = new AdamW({ learningRate: 1e-5, weightDecay: 2.5e-4, ...(paramGroups ? { paramGroups } : {}) });
  const trainer = createTrainStep(model, {
    optimizer,
    classWeights: CLASS_WEIGHTS,
    ceNormalize: 'batch',
    rng: createRng(2),
    ...(c.ceOnly ? { betaItc: 0, betaItm: 0 } : {}),
  });
  const text = textLayers ? textLayersInput(c, batch) : batch.text;
  const input = c.kind === 'text-only' ? { text, labels: batch.labels } : { ...batch, text };
  let loss = NaN;
  const times = await timed(async () => {
    loss = (await trainer.step(input)).loss;
  });
  const info = { config: { ...model.config }, params: model.countParameters() };
  if ('inputIds' in text) text.inputIds.dispose();
  optimizer.dispose();
  model.dispose();
  return { m: { times, median: median(times), params: info.params, extra: { loss } }, model: info };
}

interface MmauxStepResult {
  times: number[];
  params: number;
  config: object;
  threads: number | null;
  loss: number;
}

/**
 * One mmaux step measurement in its own process: wasm's thread count is fixed when the backend
 * starts, and each kind runs with the count the trainer would pick (preferredWasmThreads).
 */
function measureMmauxStepInChild(c: StepCase, layout: Layout): MmauxStepResult {
  const threads = process.env.BENCH_MMAUX_THREADS ? envInt('BENCH_MMAUX_THREADS', 1) : preferredWasmThreads(c.kind, c.textLayers === undefined ? {} : { textLayers: c.textLayers });
  const spec = JSON.stringify({ key: c.key, layout: layout.key, threads: threads ?? null });
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--mmaux-step', spec], {
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`mmaux step ${c.key} (${layout.key}) failed: ${child.stderr.trim()}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as MmauxStepResult;
}

async function runMmauxStepChild(specText: string): Promise<void> {
  const spec = JSON.parse(specText) as { key: string; layout: Layout['key']; threads: number | null };
  const c = ALL_CASES.find((x): x is StepCase => x.key === spec.key && x.type === 'step');
  const layout = layouts(true).find((l) => l.key === spec.layout);
  if (!c || !layout) throw new Error(`--mmaux-step: unknown case ${specText}`);
  const selection = await selectBackend((process.env.BENCH_BACKEND ?? 'wasm') as BackendChoice, spec.threads === null ? {} : { threads: spec.threads });
  const batch = benchBatch(layout, patchesFor(c.kind, layout));
  const { m, model } = await measureMmauxStep(c, batch);
  disposeBatch(batch);
  const result: MmauxStepResult = { times: m.times, params: model.params, config: model.config, threads: selection.threads ?? null, loss: m.extra?.loss as number };
  console.log(JSON.stringify(result));
}

function pythonStepArgs(c: StepCase, layout: Layout, config: object, batch: BenchBatch): Record<string, unknown> {
  return {
    mode: 'step',
    kind: c.kind,
    config,
    n: N,
    lengths: layout.lengths,
    textLength: layout.textLength,
    patches: batch.image.patches.shape[1],
    labels: batch.labels,
    classWeights: Array.from(CLASS_WEIGHTS),
    ceNormalize: 'batch',
    betaItc: c.ceOnly ? 0 : 0.1,
    betaItm: c.ceOnly ? 0 : 0.1,
    learningRate: 1e-5,
    encoderLearningRate: ENCODER_LR,
    weightDecay: 2.5e-4,
    threads: THREADS,
    ...TIMING,
  };
}

async function measureMmauxItc(): Promise<Measured> {
  const text = tf.variable(seededNormal([ITC_N, ITC_D], 21), true);
  const image = tf.variable(seededNormal([ITC_N, ITC_D], 22), true);
  const scale = new LogitScale();
  const vars = [text, image, scale.variable];
  const times = await timed(() => {
    const { value, grads } = tf.variableGrads(() => itcLoss(text as tf.Variable<tf.Rank.R2>, image as tf.Variable<tf.Rank.R2>, { logitScale: scale }), vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  });
  tf.dispose([text, image]);
  scale.dispose();
  return { times, median: median(times) };
}

async function measureMmauxMatmul(): Promise<Measured> {
  const a = seededNormal([MATMUL[0], MATMUL[1]], 1) as tf.Tensor2D;
  const b = seededNormal([MATMUL[1], MATMUL[2]], 2) as tf.Tensor2D;
  const times = await timed(() => {
    const c = tf.matMul(a, b);
    c.dataSync();
    c.dispose();
  });
  tf.dispose([a, b]);
  return { times, median: median(times) };
}

/**
 * Multiply-adds ×2 of the encoder layers' matrix products in one training step (forward, and
 * backward ≈ 2× forward; the first layer of a top-k stack computes no gradient for its constant
 * input). `padded`: what a plain step computes (every position of the padded batch, every token
 * of the last layer), PyTorch's work; otherwise mmaux's (projections and FFN on real tokens only;
 * the last layer at the first token alone, keys and values for every token, as for a kind that
 * reads the CLS token). Attention's two products run on the padded grid on both sides.
 */
function encoderStepFlops(k: TrainableTextLayers, lengths: number[], t: number, padded: boolean): number {
  const { hiddenSize: h, intermediateSize: f, numLayers } = BERT_BASE;
  const layers = k === 'all' ? numLayers : k;
  const n = lengths.length;
  const rows = padded ? n * t : lengths.reduce((a, len) => a + Math.min(len, t), 0);
  const full = 2 * rows * (4 * h * h + 2 * h * f) + 2 * 2 * n * t * t * h;
  const firstToken = 2 * rows * 2 * h * h + 2 * n * (2 * h * h + 2 * h * f) + 2 * 2 * n * t * h;
  const last = padded ? full : firstToken;
  const forward = (layers - 1) * full + last;
  const constantInput = k === 'all' ? 0 : layers === 1 && !padded ? 2 * rows * 2 * h * h + 2 * n * h * h : 2 * rows * 3 * h * h;
  return 3 * forward - constantInput;
}

const gflops = (ms: number) => (2 * MATMUL[0] * MATMUL[1] * MATMUL[2]) / (ms / 1000) / 1e9;

// ---------------------------------------------------------------------------------------------
// equivalence check

interface Exported {
  shape: number[];
  data: number[];
}
const exportTensor = (t: tf.Tensor): Exported => ({ shape: t.shape, data: Array.from(t.dataSync()) });

const CHECK_KINDS: FusionKind[] = ['concat', 'attention', 'gmu', 'text-only', 'single-stream', 'dual-stream'];
/** Text-layer checks: a tiny BERT (H 32, 2 heads of 16 — the wasm head kernels' width —, FFN 48, 3 layers) under concat and attention. */
const CHECK_TEXT_LAYERS: Array<{ kind: FusionKind; layers: TrainableTextLayers }> = [
  { kind: 'concat', layers: 2 },
  { kind: 'concat', layers: 'all' },
  { kind: 'attention', layers: 1 },
];
const CHECK_ENCODER = { model_type: 'bert', hidden_size: 32, num_attention_heads: 2, intermediate_size: 48, num_hidden_layers: 3, vocab_size: 40, max_position_embeddings: 16, initializer_range: 0.3 };

/** The check's text layers; `dropoutOff` for the trainer's copy (training mode = eval mode). */
function checkTextLayers(layers: TrainableTextLayers, dropoutOff: boolean, weights?: Map<string, { shape: readonly number[]; data: Float32Array }>): TextEncoderLayers {
  const config = textLayersConfigFromHf({ ...CHECK_ENCODER, ...(dropoutOff ? { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 } : {}) });
  return new TextEncoderLayers(config, { trainableLayers: layers, pooler: false, rng: createRng(8), ...(weights ? { weights } : {}) });
}

function checkOptions(kind: FusionKind, dropoutOff: boolean): FusionModelOptions {
  const transformer = kind === 'single-stream' || kind === 'dual-stream';
  return {
    textDim: 12,
    imageDim: 10,
    numClasses: 3,
    seed: 3,
    hiddenDim: 16,
    projectionDim: 8,
    ...(transformer ? { heads: 2, layers: 2, ffnDim: 24, maxTextLength: 9, maxImageTokens: 6 } : {}),
    ...(dropoutOff ? { dropout: 0, transformerDropout: 0 } : {}),
  };
}

/** Moves every weight off its initial value (zero biases and unit norms would hide a wrong mapping). */
function perturb(model: FusionModel, seed: number): void {
  model.weights.forEach(({ name, variable }, k) => {
    tf.tidy(() => {
      const noise = tf.randomNormal(variable.shape, 0, name === 'itc/logit_scale' ? 0.3 : 0.2, 'float32', seed + k);
      variable.assign(tf.add(variable, noise));
    });
  });
}

interface CheckResult {
  kind: string;
  variant: string;
  weights: number;
  maxAbsDiff: Record<string, number>;
  worstGrad: string | null;
  trainStepLossDiff?: number;
}

async function checkKind(kind: FusionKind, variant: 'initial' | 'perturbed', textLayers?: TrainableTextLayers): Promise<CheckResult> {
  const n = 5;
  const l = 7;
  const p = 4;
  const lengths = [7, 3, 1, 5, 2];
  const withLayers = (options: FusionModelOptions, layers: TextEncoderLayers | null): FusionModelOptions => (layers ? { ...options, textDim: layers.config.hiddenSize, textLayers: layers } : options);
  const model = createFusionModel(kind, withLayers(checkOptions(kind, false), textLayers === undefined ? null : checkTextLayers(textLayers, false)));
  if (variant === 'perturbed') perturb(model, 100);
  const cfg = model.config;
  const unimodal = kind === 'text-only';
  const text = {
    tokens: seededNormal([n, l, cfg.textDim], 31) as tf.Tensor3D,
    mask: tf.tensor2d(maskOf(lengths, l), [n, l]),
    pooled: seededNormal([n, cfg.textDim], 32) as tf.Tensor2D,
  };
  // With text layers the model reads the hidden state entering layer L − k, or token ids ('all': padding = pad id 0).
  const idRng = createRng(35);
  const inputIds = textLayers === 'all' ? tf.tensor2d(Array.from(maskOf(lengths, l), (m) => (m === 1 ? 1 + Math.floor(idRng() * 39) : 0)), [n, l], 'int32') : null;
  const textIn = textLayers === undefined ? text : inputIds ? { inputIds, mask: text.mask } : { hidden: text.tokens, mask: text.mask };
  const image = { patches: seededNormal([n, p, cfg.imageDim], 33) as tf.Tensor3D, pooled: seededNormal([n, cfg.imageDim], 34) as tf.Tensor2D };
  const labels = [0, 2, 1, 1, 0];
  const partner = [2, 1, 4, 0, 1]; // post 1 keeps its text; the others take another post's
  const itmLabels = partner.map((j, i) => (j === i ? 1 : 0));
  const classWeights = balancedClassWeights([0, 0, 0, 1, 1, 2, 2, 2, 2, 2], 3);
  const betaItc = unimodal ? 0 : 0.1;
  const betaItm = unimodal ? 0 : 0.1;
  const input = unimodal ? { text: textIn } : { text: textIn, image };

  const expected: Record<string, unknown> = {};
  const lossParts: Record<string, number> = {};
  const nameOf = new Map(model.weights.map((w) => [w.variable.name, w.name]));
  const { value, grads } = tf.variableGrads(() => {
    const out = model.forward(input, { training: false, ...(unimodal ? {} : { itmPartner: partner }) });
    expected.classLogits = exportTensor(out.classLogits);
    const ce = weightedCrossEntropy(out.classLogits, labels, classWeights, { normalize: 'batch' });
    lossParts.ce = ce.dataSync()[0]!;
    if (unimodal) return jointLoss({ ce }, { betaItc, betaItm });
    const logits = contrastiveLogits(out.textEmbedding!, out.imageEmbedding!, model.logitScale!);
    expected.itcLogits = exportTensor(logits);
    expected.itmLogits = exportTensor(out.matchLogits!);
    const itc = itcLossFromLogits(logits);
    const itm = itmLoss(out.matchLogits!, itmLabels);
    lossParts.itc = itc.dataSync()[0]!;
    lossParts.itm = itm.dataSync()[0]!;
    return jointLoss({ ce, itc, itm }, { betaItc, betaItm });
  }, model.trainableWeights);
  lossParts.loss = value.dataSync()[0]!;
  expected.losses = lossParts;
  const gradsByName: Record<string, Exported> = {};
  for (const w of model.weights) {
    const g = grads[w.variable.name];
    gradsByName[w.name] = g ? exportTensor(g) : { shape: w.variable.shape, data: new Array<number>(w.variable.size).fill(0) };
  }
  if (Object.keys(grads).some((k) => !nameOf.has(k))) throw new Error('check: a gradient for an unknown variable');
  expected.grads = gradsByName;
  tf.dispose([value, ...Object.values(grads)]);

  // The trainer's own step (a copy of the weights with dropout 0, so training mode = eval mode);
  // its ITM pairs come from its seeded generator, replayed here with the same seed.
  if (!unimodal) {
    const layersCopy = textLayers === undefined ? null : checkTextLayers(textLayers, true, await model.textLayers!.stateDict());
    const copy = createFusionModel(kind, withLayers(checkOptions(kind, true), layersCopy));
    copy.weights.forEach(({ name, variable }) => variable.assign(model.getWeight(name)));
    const trainer = createTrainStep(copy, { optimizer: new AdamW({ learningRate: 1e-5 }), classWeights, ceNormalize: 'batch', rng: createRng(77) });
    const replay = sampleItmPairs(n, { rng: createRng(77), matchProbability: 0.5, strategy: 'random' });
    const r = await trainer.step({ text: textIn, image, labels });
    expected.trainStep = { partner: Array.from(replay.partner), losses: { loss: r.loss, ce: r.ce, itc: r.itc, itm: r.itm } };
    copy.dispose();
  }

  const data = {
    config: cfg,
    weights: Object.fromEntries(model.weights.map((w) => [w.name, exportTensor(w.variable)])),
    batch: {
      tokens: exportTensor(text.tokens),
      ...(inputIds ? { inputIds: exportTensor(inputIds) } : {}),
      mask: exportTensor(text.mask),
      textPooled: exportTensor(text.pooled),
      patches: exportTensor(image.patches),
      imagePooled: exportTensor(image.pooled),
    },
    partner: unimodal ? null : partner,
    labels,
    classWeights: Array.from(classWeights),
    ceNormalize: 'batch',
    betaItc,
    betaItm,
    expected,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmaux-pytorch-check-'));
  const file = path.join(dir, `${kind}.json`);
  try {
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(data));
    fs.renameSync(`${file}.tmp`, file);
    const result = runPython({ mode: 'check', input: file, threads: 1 }) as unknown as CheckResult;
    return { ...result, variant };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    tf.dispose([text.tokens, text.mask, text.pooled, image.patches, image.pooled, ...(inputIds ? [inputIds] : [])]);
    model.dispose();
  }
}

async function runCheck(): Promise<CheckResult[]> {
  console.log('Equivalence check: mmaux weights loaded into the PyTorch reference (eval mode, fixed ITM partner [2, 1, 4, 0, 1]).');
  console.log('Config per kind: textDim 12, imageDim 10, hiddenDim 16, projectionDim 8, 3 classes, N 5, text lengths 7/3/1/5/2 padded to 7, 4 patches;');
  console.log('transformers: 2 layers, 2 heads, FFN 24. "initial": createFusionModel\'s weights; "perturbed": every weight moved by noise.');
  console.log('grads: d(joint loss)/d(weight), every weight; train step: TrainStep.step\'s reported losses vs PyTorch with its replayed ITM pairs.\n');
  // BENCH_CHECK=text-layers: only the text-layer models (a tiny BERT under concat / attention, HF names on both sides).
  const only = process.env.BENCH_CHECK === 'text-layers';
  console.log(`text layers: a BERT of H 32, 2 heads, FFN 48, 3 layers (${CHECK_TEXT_LAYERS.map((c) => `${c.kind}+k${c.layers}`).join(', ')}; 'all' reads token ids), mmaux's HF-named weights into a plain torch BertLayer stack.\n`);
  console.log('  kind          | weights   | class logits | ITC logits | ITM logits |   losses | grads (abs) | grads (rel) | train step');
  const results: CheckResult[] = [];
  const fmt = (v: number | undefined) => (v === undefined ? '—' : v.toExponential(1));
  const checks = [...(only ? [] : CHECK_KINDS.map((kind) => ({ kind, layers: undefined as TrainableTextLayers | undefined }))), ...CHECK_TEXT_LAYERS];
  for (const { kind, layers } of checks) {
    for (const variant of ['initial', 'perturbed'] as const) {
      const r = await checkKind(kind, variant, layers);
      if (process.env.BENCH_VERBOSE) console.log(JSON.stringify(r));
      results.push(r);
      const d = r.maxAbsDiff;
      const name = layers === undefined ? kind : `${kind}+k${layers}`;
      console.log(
        `  ${name.padEnd(13)} | ${variant.padEnd(9)} | ${fmt(d.classLogits).padStart(12)} | ${fmt(d.itcLogits).padStart(10)} | ${fmt(d.itmLogits).padStart(10)} | ${fmt(d.losses).padStart(8)} | ${fmt(d.grads).padStart(11)} | ${fmt(d.gradsRelative).padStart(11)} | ${fmt(r.trainStepLossDiff).padStart(10)}`,
      );
    }
  }
  const worst = Math.max(...results.flatMap((r) => [r.maxAbsDiff.classLogits ?? 0, r.maxAbsDiff.itcLogits ?? 0, r.maxAbsDiff.itmLogits ?? 0, r.maxAbsDiff.losses ?? 0, r.trainStepLossDiff ?? 0]));
  const worstGrad = Math.max(...results.map((r) => r.maxAbsDiff.gradsRelative ?? 0));
  const ok = worst < 1e-4 && worstGrad < 1e-3;
  console.log(`\n  largest output/loss difference ${worst.toExponential(2)}, largest relative gradient difference ${worstGrad.toExponential(2)}: ${ok ? 'the two sides compute the same model' : 'MISMATCH — the timing comparison is not like for like'}\n`);
  if (!ok) process.exitCode = 1;
  return results;
}

// ---------------------------------------------------------------------------------------------

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const fmtMs = (ms: number | undefined) => (ms === undefined ? '—' : ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

interface Row {
  layout: string | null;
  key: string;
  label: string;
  target: number | null;
  /** Per round: the median step of that measurement. */
  mmaux: number[];
  pytorch: number[];
  /** Every timed step of every round (for the best-step figure). */
  mmauxSteps: number[];
  pytorchSteps: number[];
  /** Highest 1-minute load average seen around this row's measurements (this bench included). */
  load: number;
  /** Most other runnable tasks seen just before this row's measurements. */
  others: number;
  params?: { mmaux: number; pytorch?: number };
  /** mmaux's wasm threads for this row (null: not wasm, or fixed cases run in the main process). */
  threads?: number | null;
}

async function wasmThreads(): Promise<string> {
  if (tf.getBackend() !== 'wasm') return '';
  try {
    const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as { getThreadsCount?: () => number };
    return wasm.getThreadsCount ? `, wasm threads ${wasm.getThreadsCount()}` : '';
  } catch {
    return '';
  }
}

/** Which mmaux is measured: the commit and any uncommitted changes in the packages it runs (read-only git calls). */
function sourceState(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', ['--no-optional-locks', ...a], { cwd: HERE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
    const head = git('rev-parse', '--short', 'HEAD').trim();
    const dirty = git('status', '--porcelain', '--', '../src', '../../losses/src')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3).replace(/^packages\//, ''));
    return `mmaux source: HEAD ${head}${dirty.length > 0 ? ` + uncommitted changes in ${dirty.length} path(s): ${dirty.slice(0, 6).join(', ')}${dirty.length > 6 ? ', …' : ''}` : ' (clean)'}`;
  } catch {
    return 'mmaux source: (git unavailable)';
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const childSpec = args.indexOf('--mmaux-step');
  if (childSpec >= 0) return runMmauxStepChild(args[childSpec + 1] ?? '');
  const checkOnly = args.includes('--check');
  const json = args.includes('--json');
  const selection = await selectBackend((process.env.BENCH_BACKEND ?? 'wasm') as BackendChoice);
  const py = pythonStatus();
  console.log(`mmaux vs PyTorch training step — mmaux backend ${selection.backend}${await wasmThreads()}: ${selection.reason}`);
  console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${loadavg()}`);
  console.log(sourceState());
  if (!py.ok) {
    console.log(`PyTorch reference unavailable: ${py.detail}. Measuring mmaux only (install python3-torch for ${PYTHON} to compare).`);
    if (checkOnly) return;
  } else {
    console.log(`reference: ${py.detail}, torch.set_num_threads(${THREADS}); ${path.relative(process.cwd(), REFERENCE)}`);
  }
  const checks = py.ok ? await runCheck() : [];
  if (checkOnly) {
    if (json) console.log(JSON.stringify({ check: checks }));
    return;
  }

  const cases = selectedCases();
  const lays = layouts();
  console.log(`batch ${N}, text ${TEXT_DIM}-d, image ${IMAGE_DIM}-d × ${PATCHES} patches (realistic layout: ${TRANSFORMER_PATCHES}, CLS + 7×7 as the trainer pools them, for the transformer kinds), ${NUM_CLASSES} classes (balanced weights ${Array.from(CLASS_WEIGHTS, (w) => w.toFixed(3)).join('/')}), objective 0.8·CE + 0.1·ITC + 0.1·ITM ('batch' CE, ITM text swaps p = 0.5), AdamW(lr 1e-5, wd 2.5e-4)`);
  console.log(`text lengths ${lays[0]?.lengths.join(',') ?? '—'}`);
  console.log(`timing per measurement: ${TIMING.warmup} warm-up step(s) (1 if the first takes > ${TIMING.maxSeconds / 2} s), then steps until ${TIMING.steps} or ${TIMING.maxSeconds} s (at least ${TIMING.minSteps}); median; ${ROUNDS} interleaved rounds, the median of the round medians\n`);

  const rows: Row[] = [];
  const rowFor = (layout: Layout | null, c: Case): Row => {
    const key = `${layout?.key ?? '-'}:${c.key}`;
    let row = rows.find((r) => `${r.layout ?? '-'}:${r.key}` === key);
    if (!row) {
      row = { layout: layout?.key ?? null, key: c.key, label: c.label, target: c.target, mmaux: [], pytorch: [], mmauxSteps: [], pytorchSteps: [], load: 0, others: 0 };
      rows.push(row);
    }
    return row;
  };

  const load1 = () => os.loadavg()[0]!;
  /**
   * Other processes' demand right now: the mean number of runnable tasks besides this one over
   * ~1 s (/proc/loadavg's running count, which counts the reader itself), sampled between
   * measurements, when this bench is idle. Falls back to the 1-min load average off Linux.
   */
  const othersRunnable = async (): Promise<number> => {
    let sum = 0;
    for (let i = 0; i < 10; i++) {
      try {
        const running = Number(fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[3]!.split('/')[0]);
        sum += Math.max(0, running - 1);
      } catch {
        return load1();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return sum / 10;
  };
  /** With BENCH_MAX_LOAD, waits (up to BENCH_MAX_WAIT s per measurement) until others' demand is below it; returns that demand. */
  const quiet = async (): Promise<number> => {
    let busy = await othersRunnable();
    if (MAX_LOAD === null) return busy;
    const until = Date.now() + MAX_WAIT * 1000;
    let said = false;
    while (busy > MAX_LOAD && Date.now() < until) {
      if (!said) console.error(`  waiting: ${busy.toFixed(1)} other runnable tasks (BENCH_MAX_LOAD ${MAX_LOAD}, at most ${MAX_WAIT} s)`);
      said = true;
      await new Promise((r) => setTimeout(r, 4000));
      busy = await othersRunnable();
    }
    return busy;
  };
  for (let round = 1; round <= ROUNDS; round++) {
    console.error(`round ${round}/${ROUNDS} (load average ${loadavg()})`);
    for (const layout of lays) {
      const stepCases = cases.filter((c): c is StepCase => c.type === 'step');
      if (stepCases.length === 0) continue;
      for (const c of stepCases) {
        const row = rowFor(layout, c);
        row.others = Math.max(row.others, await quiet());
        row.load = Math.max(row.load, load1());
        const m = measureMmauxStepInChild(c, layout);
        row.mmaux.push(median(m.times));
        row.mmauxSteps.push(...m.times);
        row.threads = m.threads;
        row.params = { mmaux: m.params, ...(row.params?.pytorch ? { pytorch: row.params.pytorch } : {}) };
        let pyMs: number | undefined;
        if (py.ok) {
          const batch = benchBatch(layout, patchesFor(c.kind, layout));
          const r = runPython(pythonStepArgs(c, layout, m.config, batch));
          disposeBatch(batch);
          pyMs = r.median_ms!;
          row.pytorch.push(pyMs);
          row.pytorchSteps.push(...r.times_ms!);
          row.params.pytorch = r.params as number;
        }
        row.load = Math.max(row.load, load1());
        console.error(`  ${layout.key} ${c.key}: mmaux ${fmtMs(median(m.times))} ms (${m.threads ?? '?'} wasm threads), PyTorch ${fmtMs(pyMs)} ms (load ${loadavg()})`);
      }
    }
    for (const c of cases.filter((x): x is FixedCase => x.type !== 'step')) {
      const row = rowFor(null, c);
      row.others = Math.max(row.others, await quiet());
      row.load = Math.max(row.load, load1());
      const m = c.type === 'itc' ? await measureMmauxItc() : await measureMmauxMatmul();
      row.mmaux.push(m.median);
      row.mmauxSteps.push(...m.times);
      let pyMs: number | undefined;
      if (py.ok) {
        const r = runPython({ mode: c.type, threads: THREADS, itcN: ITC_N, itcD: ITC_D, matmulShape: [...MATMUL], ...TIMING });
        pyMs = r.median_ms!;
        row.pytorch.push(pyMs);
        row.pytorchSteps.push(...r.times_ms!);
      }
      row.load = Math.max(row.load, load1());
      console.error(`  ${c.key}: mmaux ${fmtMs(m.median)} ms, PyTorch ${fmtMs(pyMs)} ms (load ${loadavg()})`);
    }
  }

  // the table
  const cols = [38, 15, 15, 6, 6, 3, 6, 5, 6];
  const line = (cells: string[], extra = '') =>
    `| ${cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(cols[i]!) : c.padStart(cols[i]!))).join(' | ')} | ${extra} |`;
  console.log(`\nmmaux ms, PyTorch ms: median over ${ROUNDS} round(s) of each measurement's median step; ratio = mmaux / PyTorch; target from issue 11.`);
  console.log('best: the ratio of each side\'s least disturbed round (the lowest round median); on a shared machine other processes only ever add time.');
  console.log('load: highest 1-min load average seen (this bench adds ~2 while it runs); others: most runnable tasks of other processes sampled just before a measurement.');
  console.log(`Round medians follow each row (mmaux / PyTorch). ${os.cpus().length} CPUs; load average now ${loadavg()}.\n`);
  console.log(line(['case', 'mmaux ms', 'PyTorch ms', 'ratio', 'target', 'met', 'best', 'load', 'others'], 'rounds: mmaux / PyTorch'));
  console.log(line(cols.map((w) => '-'.repeat(w)), '-'.repeat(23)));
  const summary: Array<Record<string, unknown>> = [];
  const sections: Array<{ title: string | null; rows: Row[] }> = [
    ...lays.map((l) => ({ title: l.label, rows: rows.filter((r) => r.layout === l.key) })),
    { title: null, rows: rows.filter((r) => r.layout === null) },
  ];
  const mismatched: string[] = [];
  const list = (xs: number[]) => xs.map(fmtMs).join(', ');
  for (const section of sections) {
    if (section.rows.length === 0) continue;
    if (section.title) console.log(line([`**${section.title.split(' (')[0]}**`, '', '', '', '', '', '', '', '']));
    for (const r of section.rows) {
      const mm = median(r.mmaux);
      const pt = r.pytorch.length > 0 ? median(r.pytorch) : undefined;
      const ratio = pt === undefined ? undefined : mm / pt;
      const best = pt === undefined ? undefined : Math.min(...r.mmaux) / Math.min(...r.pytorch);
      const fastest = pt === undefined ? undefined : Math.min(...r.mmauxSteps) / Math.min(...r.pytorchSteps);
      const met = ratio === undefined || r.target === null ? '—' : ratio <= r.target ? 'yes' : 'no';
      const isMatmul = r.key === 'matmul';
      const mmText = isMatmul ? `${fmtMs(mm)} (${gflops(mm).toFixed(0)} GF/s)` : `${fmtMs(mm)}`;
      const ptText = pt === undefined ? '—' : isMatmul ? `${fmtMs(pt)} (${gflops(pt).toFixed(0)} GF/s)` : `${fmtMs(pt)}`;
      console.log(
        line(
          [`${r.label}${r.threads ? ` (${r.threads} thr)` : ''}`, mmText, ptText, ratio === undefined ? '—' : `${ratio.toFixed(2)}×`, r.target === null ? '—' : `≤ ${r.target.toFixed(1)}×`, met, best === undefined ? '—' : `${best.toFixed(2)}×`, r.load.toFixed(1), r.others.toFixed(1)],
          `${list(r.mmaux)} / ${r.pytorch.length > 0 ? list(r.pytorch) : '—'}`,
        ),
      );
      if (r.params?.pytorch !== undefined && r.params.pytorch !== r.params.mmaux) mismatched.push(`${r.key}: mmaux ${r.params.mmaux} vs PyTorch ${r.params.pytorch} parameters`);
      summary.push({
        layout: r.layout, case: r.key, mmauxMs: mm, pytorchMs: pt ?? null, ratio: ratio ?? null, bestRoundRatio: best ?? null, fastestStepRatio: fastest ?? null, target: r.target,
        met: met === '—' ? null : met === 'yes', mmauxRounds: r.mmaux, pytorchRounds: r.pytorch, maxLoad: r.load, maxOthersRunnable: r.others, params: r.params ?? null,
      });
    }
  }
  const layerRows = rows.filter((r) => ALL_CASES.some((c) => c.key === r.key && c.type === 'step' && c.textLayers !== undefined));
  if (layerRows.length > 0) {
    console.log('\nText-layer rows, GFLOP per step of the encoder layers\' matrix products (fwd + bwd) and the rate each side reaches:');
    console.log('PyTorch computes every padded position and every token of the last layer; mmaux the real tokens, and the last layer at the CLS token (keys/values for all).');
    console.log('"mmaux eff." is PyTorch\'s GFLOP over mmaux\'s time: the rate a plain implementation would need to match mmaux.');
    for (const r of layerRows) {
      const c = ALL_CASES.find((x): x is StepCase => x.key === r.key && x.type === 'step')!;
      const layout = lays.find((l) => l.key === r.layout)!;
      const plain = encoderStepFlops(c.textLayers!, layout.lengths, layout.textLength, true) / 1e9;
      const ours = encoderStepFlops(c.textLayers!, layout.lengths, layout.textLength, false) / 1e9;
      const mm = median(r.mmaux) / 1000;
      const pt = r.pytorch.length > 0 ? median(r.pytorch) / 1000 : NaN;
      console.log(
        `  ${r.layout} ${r.key}: GFLOP PyTorch ${plain.toFixed(1)}, mmaux ${ours.toFixed(1)}; GFLOP/s PyTorch ${(plain / pt).toFixed(0)}, mmaux ${(ours / mm).toFixed(0)} (mmaux eff. ${(plain / mm).toFixed(0)}); mmaux ${r.threads ?? '?'} wasm thread(s), PyTorch ${THREADS}`,
      );
    }
  }
  for (const l of lays) console.log(`\n${l.label}`);
  console.log(`mmaux on ${selection.backend}${await wasmThreads()}; reference ${py.ok ? `${py.detail}, ${THREADS} threads` : 'not measured'}; ${os.cpus().length} CPUs, load average at the end ${loadavg()} (shared machine: the figures are noisy)`);
  if (mismatched.length > 0) console.log(`WARNING: parameter counts differ: ${mismatched.join('; ')}`);
  if (json) console.log(JSON.stringify({ backend: selection.backend, pytorch: py.ok ? py.detail : null, threads: THREADS, rounds: ROUNDS, timing: TIMING, loadavg: os.loadavg(), check: checks, results: summary }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
