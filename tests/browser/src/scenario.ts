// The train step both runtimes run: the page (bundled for Chromium) and the Node script import
// this same file, so the only thing that differs between the two runs is the runtime.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, createFusionModel, createTrainStep, type FusionKind, type TextFeatures, type ImageFeatures } from '@mmaux/fusion';
import { balancedClassWeights, createRng, itcLoss, type Rng } from '@mmaux/losses';
import { classificationReport } from '@mmaux/metrics';

/** Sizes of the batch and the models: small, so that a step costs milliseconds on any backend. */
export const SIZES = {
  batch: 8,
  textLength: 6,
  imageTokens: 5,
  textDim: 12,
  imageDim: 10,
  numClasses: 3,
  hiddenDim: 16,
  projectionDim: 8,
} as const;

/** The multimodal kinds, each trained with CE + ITC + ITM (the unimodal ones have no ITC/ITM). */
export const KINDS = ['concat', 'attention', 'gmu', 'single-stream', 'dual-stream'] as const satisfies readonly FusionKind[];

/** Seed of every model's weights and dropout; the input seed is the caller's. */
export const MODEL_SEED = 7;

/** Optimizer steps per kind: the second step's losses depend on the first step's gradients. */
export const STEPS = 2;

/** One kind's numbers, all plain. */
export interface KindResult {
  kind: FusionKind;
  /** Per step: the joint loss and its parts, as `createTrainStep` reports them. */
  steps: { loss: number; ce: number; itc: number; itm: number; accuracy: number; itmAccuracy: number; retrievalTop1: number }[];
  /** `[N·K]` class logits of the trained model in eval mode, row-major. */
  logits: number[];
  /** `itcLoss` of the trained model's embeddings (its own logit scale). */
  itc: number;
  /** `classificationReport` of the trained model's predictions against the labels. */
  accuracy: number;
  macroF1: number;
}

/** What one run of the scenario reports. */
export interface ScenarioResult {
  inputSeed: number;
  /** A weighted sum of every input value and label (float64): equal iff the inputs are. */
  inputChecksum: number;
  kinds: KindResult[];
  /** `tf.memory().numTensors` after the run minus before: 0 when nothing leaks. */
  leakedTensors: number;
}

/** Uniform in [-1, 1), as float32 (what the tensor will hold). */
function uniform(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = 2 * rng() - 1;
  return out;
}

/** Σ v_i · (i mod 13 + 1): order-sensitive, exact in float64 for these sizes on any runtime. */
function checksum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += (values[i] as number) * ((i % 13) + 1);
  return s;
}

interface Batch {
  text: TextFeatures;
  image: ImageFeatures;
  labels: number[];
  checksum: number;
}

/** Features of a batch drawn from `seed`: random lengths (position 0 always real), all classes present. */
function makeBatch(seed: number): Batch {
  const { batch: n, textLength: l, imageTokens: p, textDim, imageDim, numClasses } = SIZES;
  const rng = createRng(seed);
  const tokens = uniform(rng, n * l * textDim);
  const mask = new Float32Array(n * l);
  for (let i = 0; i < n; i++) {
    const length = 2 + Math.floor(rng() * (l - 1)); // 2 … L real tokens
    for (let j = 0; j < length; j++) mask[i * l + j] = 1;
  }
  const textPooled = uniform(rng, n * textDim);
  const patches = uniform(rng, n * p * imageDim);
  const imagePooled = uniform(rng, n * imageDim);
  const labels = Array.from({ length: n }, (_, i) => i % numClasses);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [labels[i], labels[j]] = [labels[j] as number, labels[i] as number];
  }
  return {
    text: { tokens: tf.tensor3d(tokens, [n, l, textDim]), mask: tf.tensor2d(mask, [n, l]), pooled: tf.tensor2d(textPooled, [n, textDim]) },
    image: { patches: tf.tensor3d(patches, [n, p, imageDim]), pooled: tf.tensor2d(imagePooled, [n, imageDim]) },
    labels,
    checksum: [tokens, mask, textPooled, patches, imagePooled, labels].reduce((s, a, k) => s + (k + 1) * checksum(a), 0),
  };
}

async function trainKind(kind: FusionKind, batch: Batch): Promise<KindResult> {
  const { textDim, imageDim, numClasses, hiddenDim, projectionDim } = SIZES;
  const transformer = kind === 'single-stream' || kind === 'dual-stream';
  const model = createFusionModel(kind, {
    textDim,
    imageDim,
    numClasses,
    hiddenDim,
    projectionDim,
    seed: MODEL_SEED,
    ...(transformer ? { heads: 2, ffnDim: 24, maxTextLength: SIZES.textLength, maxImageTokens: SIZES.imageTokens } : {}),
  });
  const optimizer = new AdamW({ learningRate: 1e-2 });
  try {
    const trainer = createTrainStep(model, {
      optimizer,
      betaItc: 0.1,
      betaItm: 0.1,
      classWeights: balancedClassWeights(batch.labels, numClasses),
    });
    const steps: KindResult['steps'] = [];
    for (let s = 0; s < STEPS; s++) {
      const r = await trainer.step({ text: batch.text, image: batch.image, labels: batch.labels });
      if (r.itc === null || r.itm === null || r.itmAccuracy === null || r.retrievalTop1 === null) {
        throw new Error(`${kind}: step ${s} ran without ITC or ITM (itc ${r.itc}, itm ${r.itm})`);
      }
      steps.push({ loss: r.loss, ce: r.ce, itc: r.itc, itm: r.itm, accuracy: r.accuracy, itmAccuracy: r.itmAccuracy, retrievalTop1: r.retrievalTop1 });
    }
    const out = model.forward({ text: batch.text, image: batch.image });
    try {
      const logits = Array.from(await out.classLogits.data());
      const predictions = batch.labels.map((_, i) => {
        const row = logits.slice(i * numClasses, (i + 1) * numClasses);
        return row.indexOf(Math.max(...row));
      });
      const report = classificationReport(batch.labels, predictions, { numClasses });
      if (out.textEmbedding === null || out.imageEmbedding === null) throw new Error(`${kind}: no ITC embeddings`);
      const itcTensor = itcLoss(out.textEmbedding, out.imageEmbedding, { logitScale: model.getWeight('itc/logit_scale') as tf.Scalar });
      const itc = (await itcTensor.data())[0] as number;
      itcTensor.dispose();
      return { kind, steps, logits, itc, accuracy: report.accuracy, macroF1: report.f1.macro };
    } finally {
      tf.dispose([out.classLogits, out.fused, ...[out.textEmbedding, out.imageEmbedding].filter((t): t is tf.Tensor2D => t !== null)]);
    }
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * Trains each of `kinds` (default {@link KINDS}) for {@link STEPS} steps on the batch drawn
 * from `inputSeed`, on whatever backend is active, and reports the numbers.
 */
export async function runScenario(inputSeed: number, kinds: readonly FusionKind[] = KINDS): Promise<ScenarioResult> {
  const before = tf.memory().numTensors;
  const batch = makeBatch(inputSeed);
  const results: KindResult[] = [];
  try {
    for (const kind of kinds) results.push(await trainKind(kind, batch));
  } finally {
    tf.dispose([batch.text.tokens, batch.text.mask, batch.text.pooled, batch.image.patches, batch.image.pooled]);
  }
  return { inputSeed, inputChecksum: batch.checksum, kinds: results, leakedTensors: tf.memory().numTensors - before };
}
