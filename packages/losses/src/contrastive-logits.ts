import * as tf from '@tensorflow/tfjs-core';
import { type LogitScaleInput, logitScaleTensor } from './logit-scale.js';
import { l2NormalizeRows, l2NormalizeRowsBackward } from './normalize.js';
import { assertBatch, assertFinite, assertTensor } from './validate.js';
import { MmauxLossError } from './errors.js';
import { withGradient } from './custom-gradient.js';
import { matMul } from './matmul.js';

/** Options shared by functions that validate their tensors. */
export interface FiniteCheckOptions {
  /**
   * Check inputs and output for NaN/±Infinity and throw a `NON_FINITE` error naming the entry.
   * Costs one small read-back per tensor (a GPU sync); turn off in a hot loop once inputs are
   * trusted. @defaultValue true
   */
  checkFinite?: boolean;
}

const EMBEDDING_HINT = 'embeddings must be finite — check the encoder output, or lower the learning rate if training diverged.';

/** Validates a text/image embedding pair and returns N. */
export function checkEmbeddingPair(
  fn: string,
  text: unknown,
  image: unknown,
  checkFinite: boolean,
): number {
  assertTensor(fn, 'text', text, 2);
  assertTensor(fn, 'image', image, 2);
  const [n, d] = text.shape as [number, number];
  const [m, e] = image.shape as [number, number];
  if (n !== m || d !== e) {
    throw new MmauxLossError(
      'INVALID_SHAPE',
      `${fn}: text has shape [${n}, ${d}] but image has shape [${m}, ${e}]; both must be [N, D] for the same N posts and dimension D (project them to a shared space first).`,
    );
  }
  assertBatch(fn, 'text', n);
  if (checkFinite) {
    assertFinite(fn, 'text', text, EMBEDDING_HINT);
    assertFinite(fn, 'image', image, EMBEDDING_HINT);
  }
  return n;
}

/** The differentiable core, without validation (callers validate once). */
export function scaledCosine(text: tf.Tensor2D, image: tf.Tensor2D, logitScale: tf.Scalar): tf.Tensor2D {
  return withGradient<tf.Tensor2D>([text, image, logitScale], ([t, v, s], save) => {
    const nt = l2NormalizeRows(t as tf.Tensor2D);
    const nv = l2NormalizeRows(v as tf.Tensor2D);
    const scale = tf.exp(s as tf.Tensor);
    const logits = tf.mul(matMul(nt.unit, nv.unit, false, true), scale);
    save([nt.unit, nt.invNorm, nt.clamped, nv.unit, nv.invNorm, nv.clamped, scale, logits]);
    return {
      value: logits,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [tu, ti, tc, vu, vi, vc, c, out] = saved as [
          tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Scalar, tf.Tensor2D,
        ];
        const g = dy as tf.Tensor2D;
        const gradTextUnit = tf.mul(matMul(g, vu), c) as tf.Tensor2D;
        const gradImageUnit = tf.mul(matMul(g, tu, true, false), c) as tf.Tensor2D;
        // d(exp(s)·C)/ds = exp(s)·C, the logits themselves.
        const gradScale = tf.sum(tf.mul(g, out));
        return [
          l2NormalizeRowsBackward(gradTextUnit, { unit: tu, invNorm: ti, clamped: tc }),
          l2NormalizeRowsBackward(gradImageUnit, { unit: vu, invNorm: vi, clamped: vc }),
          gradScale,
        ];
      },
    };
  });
}

/**
 * In-batch similarity logits of a contrastive loss:
 * `exp(logitScale) · norm(text) · norm(image)ᵀ`, rows are texts, columns are images.
 *
 * Rows are L2-normalised as PyTorch's `F.normalize` (divide by `max(‖x‖, 1e-12)`), so a zero
 * embedding gives zero logits rather than NaN. Differentiable with respect to `text`, `image`
 * and a tensor `logitScale`, with its own gradient (no tfjs gradient registration needed).
 * No clamp is applied here; {@link itcLoss} clamps `logitScale` before calling this.
 *
 * @param text - text embeddings `[N, D]`, float32
 * @param image - image embeddings `[N, D]`, float32, row i from the same post as text row i
 * @param logitScale - natural log of the inverse temperature (number, scalar tensor or {@link LogitScale})
 * @param options - `checkFinite` (default true)
 * @returns logits per text `[N, N]`; transpose for logits per image
 * @throws MmauxLossError `INVALID_SHAPE`, `EMPTY_BATCH`, `NON_FINITE`
 *
 * @example
 * ```ts
 * const logits = contrastiveLogits(tf.tensor2d([[1, 0], [0, 1]]), tf.tensor2d([[1, 0], [1, 1]]), 0);
 * logits.arraySync(); // [[1, 0.7071], [0, 0.7071]]
 * ```
 */
export function contrastiveLogits(
  text: tf.Tensor2D,
  image: tf.Tensor2D,
  logitScale: LogitScaleInput,
  options: FiniteCheckOptions = {},
): tf.Tensor2D {
  const fn = 'contrastiveLogits';
  const checkFinite = options.checkFinite ?? true;
  checkEmbeddingPair(fn, text, image, checkFinite);
  return tf.tidy(() => {
    const s = logitScaleTensor(fn, logitScale);
    if (checkFinite) assertFinite(fn, 'logitScale', s, 'the log inverse temperature must be finite.');
    return scaledCosine(text, image, s);
  });
}
