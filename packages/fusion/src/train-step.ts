import * as tf from '@tensorflow/tfjs';
import {
  contrastiveLogits,
  createRng,
  itcLossFromLogits,
  itmLoss,
  jointLoss,
  jointLossWeights,
  MmauxLossError,
  type Rng,
  sampleItmPairs,
  weightedCrossEntropy,
} from '@mmaux/losses';
import { isUnimodalKind } from './config.js';
import { MmauxFusionError } from './errors.js';
import type { ImageFeatures, TextFeatures, TextLayersFusionInput } from './features.js';
import type { TextLayersInput } from './text-layers/text-encoder-layers.js';
import type { FusionModel, ItcEmbeddings } from './fusion-model.js';

/** Options of {@link createTrainStep}. */
export interface TrainStepOptions {
  /** The optimizer, e.g. `new AdamW({ learningRate: 1e-4 })`. */
  optimizer: tf.Optimizer;
  /** Weight of ITC. @defaultValue 0.1 (0 for unimodal kinds, which support no auxiliary loss) */
  betaItc?: number;
  /** Weight of ITM. @defaultValue 0.1 (0 for unimodal kinds) */
  betaItm?: number;
  /** How the terms combine (see `jointLoss` of `@mmaux/losses`). @defaultValue 'convex' */
  scheme?: 'convex' | 'additive';
  /** Class weights of the CE term, e.g. `balancedClassWeights(trainLabels, K)`. @defaultValue all 1 */
  classWeights?: ArrayLike<number>;
  /** CE reduction: `'batch'` (Σwℓ/N, the paper's code) or `'weights'` (Σwℓ/Σw). @defaultValue 'batch' */
  ceNormalize?: 'batch' | 'weights';
  /** ITM negatives: `strategy` ('random', the paper's; or 'hard': from the ITC similarity) and `matchProbability` (0.5). */
  itm?: { strategy?: 'random' | 'hard'; matchProbability?: number };
  /** Generator of the ITM pairs. @defaultValue `createRng(config.seed + 1)` */
  rng?: Rng;
  /** Generator of the dropout masks. @defaultValue the model's own (seeded from `config.seed`) */
  dropoutRng?: Rng;
  /**
   * Write the clamped logit scale back into its variable after each step (as OpenCLIP), so it
   * never leaves `[0, ln 100]`. @defaultValue true
   */
  clampLogitScale?: boolean;
}

/** A batch of features and labels for {@link TrainStep.step}. */
export interface TrainBatch {
  /** Text features; for a model with text encoder layers, what {@link FusionModel.forward} reads then (the hidden state entering layer `L − k`, or token ids). */
  text?: TextFeatures | TextLayersInput;
  image?: ImageFeatures;
  /** One class index per post. */
  labels: ArrayLike<number> | tf.Tensor1D;
}

/** What one step computed (before the update), as plain numbers. */
export interface TrainStepResult {
  /** The joint loss that was minimised. */
  loss: number;
  /** The (class-weighted) cross-entropy. */
  ce: number;
  /** ITC loss; `null` when `betaItc` is 0. */
  itc: number | null;
  /** ITM loss; `null` when `betaItm` is 0. */
  itm: number | null;
  /** In-batch text→image retrieval top-1 from the ITC logits; `null` when ITC is off. */
  retrievalTop1: number | null;
  /** Fraction of ITM pairs classified right; `null` when `betaItm` is 0. */
  itmAccuracy: number | null;
  /** Classification accuracy on the batch (training mode, dropout on). */
  accuracy: number;
  /** Learning rate of this update, when the optimizer is an {@link AdamW}-like one that reports it. */
  learningRate: number | null;
  /** Step index (0-based). */
  step: number;
}

/** A reusable training step bound to one model and optimizer. */
export interface TrainStep {
  /** Runs one optimizer step on a batch; resolves to the loss parts and batch metrics. */
  step(batch: TrainBatch): Promise<TrainStepResult>;
  /** Steps taken so far. */
  readonly steps: number;
  /** The loss weights applied to `{ ce, itc, itm }`. */
  readonly weights: { ce: number; itc: number; itm: number };
}

function readLabels(fn: string, labels: TrainBatch['labels'], n: number, numClasses: number): Int32Array {
  const values = labels instanceof tf.Tensor ? labels.dataSync() : labels;
  if (values === null || values === undefined || typeof values.length !== 'number' || values.length !== n) {
    throw new MmauxFusionError('INVALID_SHAPE', `${fn}: labels must hold one class per post (${n}), got ${values == null ? String(values) : `${values.length}`}.`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = values[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) {
      throw new MmauxFusionError('INVALID_INPUT', `${fn}: labels[${i}] = ${String(y)} is not a class index in [0, ${numClasses - 1}].`);
    }
    out[i] = y;
  }
  return out;
}

/**
 * After an exception inside `tf.variableGrads`, tfjs leaves the tensors its tape saved for the
 * backward pass alive; free them so a failed step leaks nothing.
 */
function releaseTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = null as unknown as typeof state.activeTape;
}

/**
 * Builds the joint training step of the paper for a fusion model: CE (class-weighted) + βitc·ITC
 * + βitm·ITM through `@mmaux/losses`, one optimizer update per call.
 *
 * Per step: the matched pass gives class logits and the ITC embeddings; the ITM pairs are drawn
 * with `sampleItmPairs` (post i's image with post `partner[i]`'s text — the text is swapped and
 * the image kept, as the paper's code; `'hard'` draws partners from the detached ITC logits per
 * image); a second pass over the swapped texts (sharing the image-side computation) feeds the
 * ITM head; gradients of the joint loss reach every weight and the logit scale. Unimodal kinds
 * train with CE only: asking them for ITC or ITM throws.
 *
 * @param model - a {@link FusionModel}
 * @param options - `optimizer` (required), `betaItc`, `betaItm`, `scheme`, `classWeights`,
 *   `ceNormalize`, `itm`, `rng`, `dropoutRng`, `clampLogitScale`
 * @returns a {@link TrainStep}
 * @throws MmauxFusionError `INVALID_OPTION`, `UNSUPPORTED` (auxiliary losses on a unimodal kind);
 *   `step` throws `INVALID_SHAPE`/`INVALID_INPUT` for bad batches and `NON_FINITE` when a loss
 *   diverges
 *
 * @example
 * ```ts
 * const model = createFusionModel('concat', { textDim: 4, imageDim: 4, numClasses: 2, hiddenDim: 8, projectionDim: 4, seed: 1 });
 * const trainer = createTrainStep(model, { optimizer: new AdamW({ learningRate: 0.01 }), rng: createRng(2) });
 * const text = { tokens: tf.randomNormal([4, 3, 4], 0, 1, 'float32', 1), mask: tf.ones([4, 3]), pooled: tf.randomNormal([4, 4], 0, 1, 'float32', 2) };
 * const image = { patches: tf.randomNormal([4, 2, 4], 0, 1, 'float32', 3), pooled: tf.randomNormal([4, 4], 0, 1, 'float32', 4) };
 * const r = await trainer.step({ text, image, labels: [0, 1, 1, 0] });
 * Object.keys(r).slice(0, 6); // ["loss", "ce", "itc", "itm", "retrievalTop1", "itmAccuracy"]
 * trainer.weights; // {"ce": 0.8, "itc": 0.1, "itm": 0.1}
 * ```
 */
export function createTrainStep(model: FusionModel, options: TrainStepOptions): TrainStep {
  const fn = 'createTrainStep';
  // Duck-typed: tf.Optimizer's custom instanceof throws on undefined.
  const candidate = (options as Partial<TrainStepOptions> | null)?.optimizer as { applyGradients?: unknown } | undefined;
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.applyGradients !== 'function') {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: options.optimizer must be a tfjs Optimizer, e.g. new AdamW({ learningRate: 1e-4 }).`);
  }
  const unimodal = isUnimodalKind(model.kind);
  const betaItc = options.betaItc ?? (unimodal ? 0 : 0.1);
  const betaItm = options.betaItm ?? (unimodal ? 0 : 0.1);
  if (unimodal && (betaItc !== 0 || betaItm !== 0)) {
    throw new MmauxFusionError(
      'UNSUPPORTED',
      `${fn}: a '${model.kind}' model sees one modality, so it has no ITC or ITM; set betaItc = betaItm = 0 (got ${betaItc}, ${betaItm}). The paper reports its unimodal baselines without auxiliary losses.`,
    );
  }
  const scheme = options.scheme ?? 'convex';
  let weights: { ce: number; itc: number; itm: number };
  try {
    weights = jointLossWeights({ itc: betaItc > 0, itm: betaItm > 0 }, { betaItc, betaItm, scheme });
  } catch (err) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: ${(err as Error).message}`, { cause: err });
  }
  const useItc = betaItc > 0;
  const useItm = betaItm > 0;
  const strategy = options.itm?.strategy ?? 'random';
  if (strategy !== 'random' && strategy !== 'hard') {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: itm.strategy must be 'random' or 'hard', got ${JSON.stringify(strategy)}.`);
  }
  const matchProbability = options.itm?.matchProbability ?? 0.5;
  const pairRng = options.rng ?? createRng(model.config.seed + 1);
  const dropoutRng = options.dropoutRng;
  const clamp = options.clampLogitScale ?? true;
  const optimizer = options.optimizer;
  const classWeights = options.classWeights;
  const normalize = options.ceNormalize ?? 'batch';
  let steps = 0;

  // Embeddings are computed only when a loss or the hard-negative sampler reads them.
  const wantEmbeddings = !unimodal && (useItc || (useItm && strategy === 'hard'));
  const off = { checkFinite: false };

  const step = async (batch: TrainBatch): Promise<TrainStepResult> => {
    const sfn = 'TrainStep.step';
    if (batch === null || typeof batch !== 'object') {
      throw new MmauxFusionError('MISSING_INPUT', `${sfn}: batch must be { text, image, labels }.`);
    }
    const input: TextLayersFusionInput = { text: batch.text, image: batch.image };
    const text = batch.text as { tokens?: tf.Tensor; hidden?: tf.Tensor; inputIds?: tf.Tensor } | undefined;
    const n = (text?.tokens ?? text?.hidden ?? text?.inputIds ?? batch.image?.patches)?.shape?.[0];
    if (typeof n !== 'number') {
      throw new MmauxFusionError('MISSING_INPUT', `${sfn}: batch has neither text nor image features.`);
    }
    const labels = readLabels(sfn, batch.labels, n, model.config.numClasses);
    const reportsRate = typeof (optimizer as { currentLearningRate?: unknown }).currentLearningRate === 'function';
    const learningRate = reportsRate ? (optimizer as unknown as { currentLearningRate(): number }).currentLearningRate() : null;
    let itmLabels: Int32Array | null = null;
    // Every figure of the step, packed into one tensor so that the step reads the device once.
    let figures: tf.Tensor1D | null = null;

    const lossFn = (): tf.Scalar => {
      const choosePartner = (matched: ItcEmbeddings | null): Int32Array => {
        const pairs = sampleItmPairs(n, {
          rng: pairRng,
          matchProbability,
          strategy,
          // Logits per image (row i: image i against every text), detached: only values are read.
          similarity: matched === null ? undefined : tf.transpose(contrastiveLogits(matched.textEmbedding, matched.imageEmbedding, model.logitScale!, off)),
        });
        itmLabels = pairs.labels;
        return pairs.partner;
      };
      // Random negatives are drawn up front, so both pairings go through one pass; hard ones
      // need the matched pairs' similarity first.
      const itmPartner = !useItm ? undefined : strategy === 'hard' ? choosePartner : choosePartner(null);
      const out = model.forward(input, {
        training: true,
        embeddings: wantEmbeddings,
        ...(dropoutRng === undefined ? {} : { rng: dropoutRng }),
        ...(itmPartner === undefined ? {} : { itmPartner }),
      });
      const ce = weightedCrossEntropy(out.classLogits, labels, classWeights, { normalize, ...off });
      const hits = (logits: tf.Tensor2D, targets: tf.Tensor1D) => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), targets), 'float32'));
      const accuracy = hits(out.classLogits, tf.tensor1d(labels, 'int32'));
      let itc: tf.Scalar | undefined;
      let itm: tf.Scalar | undefined;
      let retrieval: tf.Scalar | undefined;
      let itmAccuracy: tf.Scalar | undefined;
      if (useItc) {
        const logits = contrastiveLogits(out.textEmbedding!, out.imageEmbedding!, model.logitScale!, off);
        itc = itcLossFromLogits(logits, off);
        retrieval = hits(logits, tf.range(0, n, 1, 'int32') as tf.Tensor1D) as tf.Scalar;
      }
      if (useItm) {
        itm = itmLoss(out.matchLogits!, itmLabels!, off);
        itmAccuracy = hits(out.matchLogits!, tf.tensor1d(itmLabels!, 'int32')) as tf.Scalar;
      }
      const total = jointLoss({ ce, ...(itc ? { itc } : {}), ...(itm ? { itm } : {}) }, { betaItc, betaItm, scheme, ...off });
      const zero = tf.scalar(0);
      figures = tf.keep(tf.stack([total, ce, itc ?? zero, itm ?? zero, accuracy, retrieval ?? zero, itmAccuracy ?? zero]) as tf.Tensor1D);
      return total;
    };

    let grads: tf.NamedTensorMap;
    let values: Float32Array;
    try {
      const result = tf.variableGrads(lossFn, model.trainableWeights);
      grads = result.grads;
      result.value.dispose();
      values = (figures as tf.Tensor1D | null)!.dataSync() as Float32Array;
    } catch (err) {
      releaseTape();
      if (err instanceof MmauxLossError && err.code === 'NON_FINITE') {
        throw new MmauxFusionError('NON_FINITE', `${sfn}: step ${steps}: ${err.message} Lower the learning rate, or check the features for NaN/Infinity.`, { cause: err });
      }
      throw err;
    } finally {
      (figures as tf.Tensor1D | null)?.dispose();
    }
    const [loss, ce, itc, itm, accuracy, retrievalTop1, itmAccuracy] = Array.from(values) as [number, number, number, number, number, number, number];
    const bad = ([['ce', ce], ['itc', useItc ? itc : 0], ['itm', useItm ? itm : 0], ['loss', loss]] as const).find(([, v]) => !Number.isFinite(v));
    if (bad !== undefined) {
      tf.dispose(Object.values(grads));
      throw new MmauxFusionError(
        'NON_FINITE',
        `${sfn}: step ${steps}: the ${bad[0]} loss is ${bad[1]}; nothing was updated. Lower the learning rate, or check the features for NaN/Infinity.`,
      );
    }
    optimizer.applyGradients(grads);
    tf.dispose(Object.values(grads));
    if (clamp && model.logitScale !== null) model.logitScale.clampInPlace();
    const result: TrainStepResult = {
      loss,
      ce,
      itc: useItc ? itc : null,
      itm: useItm ? itm : null,
      retrievalTop1: useItc ? retrievalTop1 : null,
      itmAccuracy: useItm ? itmAccuracy : null,
      accuracy,
      learningRate,
      step: steps,
    };
    steps++;
    // The step itself is synchronous; yielding once lets timers, I/O and signal handlers (progress
    // output, Ctrl-C) run between steps of a long training loop.
    await yieldToEventLoop();
    return result;
  };

  return {
    step,
    get steps() {
      return steps;
    },
    weights,
  };
}

/** Resolves after pending macrotasks (I/O, timers) have had a turn. */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}
