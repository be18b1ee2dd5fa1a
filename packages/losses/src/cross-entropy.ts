import * as tf from '@tensorflow/tfjs-core';
import type { FiniteCheckOptions } from './contrastive-logits.js';
import { withGradient } from './custom-gradient.js';
import { MmauxLossError } from './errors.js';
import { rowNllForward, rowNllGradient } from './softmax-rows.js';
import { assertBatch, assertFinite, assertTensor, formatValue, type LabelInput, readLabels } from './validate.js';

/** Options of {@link weightedCrossEntropy}. */
export interface WeightedCrossEntropyOptions extends FiniteCheckOptions {
  /**
   * `'batch'`: `Σ wᵢ·ℓᵢ / N`, what the paper's code computes (its one-hot float targets take
   * PyTorch's probability-target path). `'weights'`: `Σ wᵢ·ℓᵢ / Σ wᵢ`, PyTorch's
   * `CrossEntropyLoss(weight)` with class-index targets (0 when every weight in the batch is 0).
   * @defaultValue 'batch'
   */
  normalize?: 'batch' | 'weights';
}

/** Shared core: mean (or weighted) softmax cross-entropy with its own gradient. */
function crossEntropy(
  fn: string,
  logits: tf.Tensor2D,
  labels: LabelInput,
  classWeights: ArrayLike<number> | undefined,
  options: WeightedCrossEntropyOptions,
): tf.Scalar {
  assertTensor(fn, 'logits', logits, 2);
  const [n, numClasses] = logits.shape;
  assertBatch(fn, 'logits', n);
  const y = readLabels(fn, labels, n, numClasses);
  const normalize = options.normalize ?? 'batch';
  if (normalize !== 'batch' && normalize !== 'weights') {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: normalize must be 'batch' or 'weights', got ${formatValue(normalize)}.`);
  }
  const rowWeights = new Float32Array(n).fill(1);
  if (classWeights !== undefined) {
    if (classWeights.length !== numClasses) {
      throw new MmauxLossError(
        'INVALID_SHAPE',
        `${fn}: classWeights has ${classWeights.length} entries but logits have ${numClasses} classes.`,
      );
    }
    for (let c = 0; c < numClasses; c++) {
      const w = classWeights[c] as number;
      if (!Number.isFinite(w) || w < 0) {
        throw new MmauxLossError('INVALID_OPTION', `${fn}: classWeights[${c}] = ${String(w)}; weights must be finite and ≥ 0.`);
      }
    }
    for (let i = 0; i < n; i++) rowWeights[i] = classWeights[y[i] as number] as number;
  }
  let denominator = n;
  if (normalize === 'weights') denominator = rowWeights.reduce((a, b) => a + b, 0);
  const checkFinite = options.checkFinite ?? true;
  if (checkFinite) assertFinite(fn, 'logits', logits, 'logits must be finite — lower the learning rate or check the model inputs.');

  return tf.tidy(() => {
    // Σw = 0 (only zero-weight classes in the batch): nothing to learn, loss and gradient 0.
    const scale = denominator > 0 ? 1 / denominator : 0;
    const targets = tf.oneHot(tf.tensor1d(y, 'int32'), numClasses);
    const weights = tf.tensor2d(rowWeights, [n, 1]);
    const loss = withGradient<tf.Scalar>([logits, targets, weights], ([z, t, w], save) => {
      const rows = rowNllForward(z as tf.Tensor2D, t as tf.Tensor2D);
      save([w as tf.Tensor, ...rows.saved]);
      return {
        value: tf.mul(tf.sum(tf.mul(rows.loss, w as tf.Tensor)), scale),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [ww, ...rest] = saved as [tf.Tensor2D, ...tf.Tensor[]];
          const { pMinusQ } = rowNllGradient(rest);
          const g = tf.mul(tf.mul(pMinusQ, ww), tf.mul(dy, scale));
          return [g, tf.zerosLike(t as tf.Tensor), tf.zerosLike(ww)];
        },
      };
    });
    if (checkFinite) assertFinite(fn, 'loss', loss, 'the loss overflowed; check the logits.');
    return loss;
  });
}

/**
 * Class-weighted softmax cross-entropy. tfjs's built-in weighted reductions match neither of
 * the two conventions people mean, so both are here, chosen by `normalize`.
 *
 * @param logits - class logits `[N, C]`
 * @param labels - class index per row, length N (array, typed array or int tensor)
 * @param classWeights - weight per class, length C (e.g. {@link balancedClassWeights});
 *   omitted → every weight 1 (plain mean cross-entropy)
 * @param options - `normalize` ('batch'), `checkFinite` (true)
 * @returns scalar loss, differentiable with respect to `logits`
 * @throws MmauxLossError `INVALID_SHAPE`, `EMPTY_BATCH`, `INVALID_LABEL`, `INVALID_OPTION`, `NON_FINITE`
 *
 * @example
 * ```ts
 * const logits = tf.tensor2d([[2, 0], [0, 1], [1, 1]]);
 * const w = balancedClassWeights([0, 0, 1, 1, 1, 1], 2);    // [1.5, 0.75]
 * weightedCrossEntropy(logits, [0, 1, 1], w).dataSync()[0];                           // Σ wᵢℓᵢ / 3
 * weightedCrossEntropy(logits, [0, 1, 1], w, { normalize: 'weights' }).dataSync()[0]; // Σ wᵢℓᵢ / Σ wᵢ
 * ```
 */
export function weightedCrossEntropy(
  logits: tf.Tensor2D,
  labels: LabelInput,
  classWeights?: ArrayLike<number>,
  options: WeightedCrossEntropyOptions = {},
): tf.Scalar {
  return crossEntropy('weightedCrossEntropy', logits, labels, classWeights, options);
}

/**
 * Image-text matching loss (ITM): mean cross-entropy of a 2-way head over (text, image) pairs,
 * label 1 = matched, 0 = the text was swapped for another post's (see {@link sampleItmPairs}).
 *
 * @param pairLogits - `[N, 2]`, column 1 is "matched"
 * @param labels - 0/1 per pair, length N
 * @param options - `checkFinite` (true)
 * @returns scalar loss, differentiable with respect to `pairLogits`
 * @throws MmauxLossError `INVALID_SHAPE` (not `[N, 2]`), `EMPTY_BATCH`, `INVALID_LABEL`, `NON_FINITE`
 *
 * @example
 * ```ts
 * itmLoss(tf.tensor2d([[0, 3], [2, -1]]), [1, 0]).dataSync()[0]; // ≈ 0.0486
 * ```
 */
export function itmLoss(pairLogits: tf.Tensor2D, labels: LabelInput, options: FiniteCheckOptions = {}): tf.Scalar {
  const fn = 'itmLoss';
  assertTensor(fn, 'pairLogits', pairLogits, 2);
  if (pairLogits.shape[1] !== 2) {
    throw new MmauxLossError(
      'INVALID_SHAPE',
      `${fn}: pairLogits must be [N, 2] (not matched, matched), got [${pairLogits.shape.join(', ')}].`,
    );
  }
  return crossEntropy(fn, pairLogits, labels, undefined, options);
}
