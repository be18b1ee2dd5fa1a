import * as tf from '@tensorflow/tfjs-core';
import { clampScalar } from './clamp.js';
import { checkEmbeddingPair, type FiniteCheckOptions, scaledCosine } from './contrastive-logits.js';
import { MAX_LOGIT_SCALE, SIGLIP_LOGIT_BIAS, SIGLIP_LOGIT_SCALE } from './constants.js';
import { withGradient } from './custom-gradient.js';
import { softplus } from './softmax-rows.js';
import { MmauxLossError } from './errors.js';
import { type LogitScaleInput, logitScaleTensor } from './logit-scale.js';
import { assertFinite, type GroupIds, groupMask, isTensor, readGroupIds } from './validate.js';

/** Options of {@link sigmoidContrastiveLoss}. */
export interface SigmoidContrastiveOptions extends FiniteCheckOptions {
  /**
   * Natural log of the inverse temperature; learnable when a variable or {@link LogitScale}.
   * @defaultValue `ln 10` (SigLIP's init; see the note on batch size)
   */
  logitScale?: LogitScaleInput;
  /**
   * Bias added to every logit; learnable when a scalar variable. SigLIP's −10 assumes batches of
   * thousands, where nearly every pair is negative: it makes the initial loss small. With small
   * batches (8–64, the paper's range) a bias near `−ln(N − 1)` starts closer to balance.
   * @defaultValue −10
   */
  logitBias?: number | tf.Scalar;
  /** Upper clamp on the log scale in the forward pass. @defaultValue `ln 100` */
  maxLogitScale?: number;
  /** One id per post; posts sharing an id are positive pairs (label +1) rather than negatives. */
  groupIds?: GroupIds;
}

/**
 * SigLIP's pairwise sigmoid loss: every (text i, image j) pair is an independent binary problem,
 * `−(1/N) Σᵢⱼ log σ(yᵢⱼ · (exp(s)·cosᵢⱼ + b))`, with y = +1 for a post's own pair (or same group)
 * and −1 otherwise. Needs no softmax over the batch; computed with a stable log-sigmoid.
 *
 * @param text - text embeddings `[N, D]`
 * @param image - image embeddings `[N, D]`
 * @param options - `logitScale` (`ln 10`), `logitBias` (−10), `maxLogitScale` (`ln 100`),
 *   `groupIds`, `checkFinite` (true)
 * @returns scalar loss, differentiable with respect to `text`, `image`, and tensor scale and bias
 * @throws MmauxLossError `INVALID_SHAPE`, `EMPTY_BATCH`, `NON_FINITE`, `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const text = tf.tensor2d([[1, 0], [0, 1]]);
 * const image = tf.tensor2d([[1, 0], [0, 1]]);
 * // Perfectly aligned pairs still cost ≈ ln 2 each: exp(ln 10)·1 − 10 = 0 at the defaults.
 * sigmoidContrastiveLoss(text, image).dataSync()[0]; // ≈ 0.6932
 * const bias = tf.variable(tf.scalar(-2));
 * const { grads } = tf.variableGrads(() => sigmoidContrastiveLoss(text, image, { logitBias: bias }), [bias]);
 * ```
 */
export function sigmoidContrastiveLoss(
  text: tf.Tensor2D,
  image: tf.Tensor2D,
  options: SigmoidContrastiveOptions = {},
): tf.Scalar {
  const fn = 'sigmoidContrastiveLoss';
  const checkFinite = options.checkFinite ?? true;
  const n = checkEmbeddingPair(fn, text, image, checkFinite);
  const maxLogitScale = options.maxLogitScale ?? MAX_LOGIT_SCALE;
  if (typeof maxLogitScale !== 'number' || Number.isNaN(maxLogitScale)) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: maxLogitScale must be a number, got ${String(maxLogitScale)}.`);
  }
  const biasInput = options.logitBias ?? SIGLIP_LOGIT_BIAS;
  if (!(typeof biasInput === 'number' ? Number.isFinite(biasInput) : isTensor(biasInput) && biasInput.rank === 0)) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: logitBias must be a finite number or a scalar tensor, got ${String(biasInput)}.`);
  }
  return tf.tidy(() => {
    const scale = logitScaleTensor(fn, options.logitScale ?? SIGLIP_LOGIT_SCALE);
    const bias = typeof biasInput === 'number' ? tf.scalar(biasInput) : biasInput;
    if (checkFinite) {
      assertFinite(fn, 'logitScale', scale, 'the log inverse temperature must be finite.');
      assertFinite(fn, 'logitBias', bias, 'the bias must be finite.');
    }
    const positives = options.groupIds === undefined ? tf.eye(n) : groupMask(readGroupIds(fn, options.groupIds, n));
    const logits = scaledCosine(text, image, clampScalar(scale, -Infinity, maxLogitScale));
    const loss = withGradient<tf.Scalar>([logits, bias, positives], ([s, b, pos], save) => {
      const z = tf.add(s as tf.Tensor, b as tf.Tensor);
      // y ∈ {−1, +1}; log σ(y·z) = −softplus(−y·z), finite for any finite z.
      const signs = tf.sub(tf.mul(pos as tf.Tensor, 2), 1);
      save([z, pos as tf.Tensor]);
      return {
        value: tf.div(tf.sum(softplus(tf.neg(tf.mul(signs, z)))), n),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [zz, p] = saved as [tf.Tensor2D, tf.Tensor2D];
          // d/dz of −log σ(y·z) = σ(z) − [y = +1]
          const g = tf.mul(tf.sub(tf.sigmoid(zz), p), tf.div(dy, n));
          return [g, tf.sum(g), tf.zerosLike(p)];
        },
      };
    });
    if (checkFinite) assertFinite(fn, 'loss', loss, 'the loss overflowed; check the embeddings, scale and bias.');
    return loss;
  });
}
