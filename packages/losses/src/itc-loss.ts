import * as tf from '@tensorflow/tfjs-core';
import { checkEmbeddingPair, type FiniteCheckOptions, scaledCosine } from './contrastive-logits.js';
import { clampScalar } from './clamp.js';
import { DEFAULT_LOGIT_SCALE, MAX_LOGIT_SCALE } from './constants.js';
import { withGradient } from './custom-gradient.js';
import { hostKernelsAvailable } from './host-kernel.js';
import { rowNllKernel } from './row-nll-kernel.js';
import { rowNllForward, rowNllGradient } from './softmax-rows.js';
import { MmauxLossError } from './errors.js';
import { type LogitScaleInput, logitScaleTensor } from './logit-scale.js';
import { assertBatch, assertFinite, assertTensor, type GroupIds, groupMask, readGroupIds } from './validate.js';

/** Options of {@link itcLossFromLogits}. */
export interface ItcLogitsOptions extends FiniteCheckOptions {
  /**
   * One id per post. Posts that share an id are positives of each other rather than false
   * negatives: each row's loss becomes `−log Σ_{j∈P(i)} softmax(row)_j` (multi-positive NCE), so
   * duplicates are not pushed apart. @defaultValue every post its own group (CLIP)
   */
  groupIds?: GroupIds;
  /**
   * Label smoothing ε as PyTorch's `CrossEntropyLoss(label_smoothing)`: target
   * `(1 − ε)·positives + ε/N`. @defaultValue 0
   */
  labelSmoothing?: number;
}

/** Options of {@link itcLoss}. */
export interface ItcOptions extends ItcLogitsOptions {
  /** Natural log of the inverse temperature. @defaultValue `ln(1/0.07)` ≈ 2.6593 */
  logitScale?: LogitScaleInput;
  /**
   * Upper clamp applied to `logitScale` in the forward pass (gradient 0 above it).
   * @defaultValue `ln 100`
   */
  maxLogitScale?: number;
}

/** `(1−ε)·nll + ε·(lse − mean)` per line, `[N, 1]`: label smoothing on top of a line's NLL. */
function smoothed(nll: tf.Tensor2D, lse: tf.Tensor2D, mean: tf.Tensor2D, eps: number): tf.Tensor2D {
  return eps === 0 ? nll : (tf.add(tf.mul(nll, 1 - eps), tf.mul(tf.sub(lse, mean), eps)) as tf.Tensor2D);
}

/** d(line loss)/dx = (p − q) + ε·q − ε/N, p the line's softmax, q its restriction to the positives. */
function lineGradient(pMinusQ: tf.Tensor2D, q: tf.Tensor2D, n: number, eps: number): tf.Tensor2D {
  return (eps > 0 ? tf.sub(tf.add(pMinusQ, tf.mul(q, eps)), eps / n) : pMinusQ) as tf.Tensor2D;
}

/**
 * Mean of the row-wise and column-wise losses; `positives` is symmetric with a 1 diagonal. On
 * wasm and cpu both directions are one kernel each, the columns read in place (no transposes);
 * elsewhere tfjs ops on x and xᵀ.
 */
function symmetricContrastive(logits: tf.Tensor2D, positives: tf.Tensor2D, eps: number): tf.Scalar {
  const n = logits.shape[0];
  return withGradient<tf.Scalar>([logits, positives], ([s, mask], save) => {
    const x = s as tf.Tensor2D;
    const m = mask as tf.Tensor2D;
    if (hostKernelsAvailable()) {
      const rows = rowNllKernel(x, m);
      const cols = rowNllKernel(x, m, { columns: true });
      save([rows.pMinusQ, rows.q, cols.pMinusQ, cols.q]);
      const rowLoss = smoothed(rows.loss, rows.lse, tf.mean(x, 1, true) as tf.Tensor2D, eps);
      const colLoss = smoothed(cols.loss, cols.lse, tf.reshape(tf.mean(x, 0), [n, 1]) as tf.Tensor2D, eps);
      return {
        value: tf.div(tf.add(tf.mean(rowLoss), tf.mean(colLoss)), 2),
        gradFunc: (dy: tf.Tensor, [rp, rq, cp, cq]) => {
          const g = tf.add(lineGradient(rp as tf.Tensor2D, rq as tf.Tensor2D, n, eps), lineGradient(cp as tf.Tensor2D, cq as tf.Tensor2D, n, eps));
          return [tf.mul(g, tf.div(dy, 2 * n)), tf.zerosLike(m)];
        },
      };
    }
    const xt = tf.transpose(x);
    const rows = rowNllForward(x, m);
    const cols = rowNllForward(xt, m);
    const split = rows.saved.length;
    save([...rows.saved, ...cols.saved]);
    const rowLoss = smoothed(rows.loss, rows.lse, tf.mean(x, 1, true) as tf.Tensor2D, eps);
    const colLoss = smoothed(cols.loss, cols.lse, tf.mean(xt, 1, true) as tf.Tensor2D, eps);
    return {
      value: tf.div(tf.add(tf.mean(rowLoss), tf.mean(colLoss)), 2),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const r = rowNllGradient(saved.slice(0, split));
        const c = rowNllGradient(saved.slice(split));
        const g = tf.add(lineGradient(r.pMinusQ, r.q, n, eps), tf.transpose(lineGradient(c.pMinusQ, c.q, n, eps)));
        return [tf.mul(g, tf.div(dy, 2 * n)), tf.zerosLike(m)];
      },
    };
  });
}

function readSmoothing(fn: string, labelSmoothing: number | undefined): number {
  const eps = labelSmoothing ?? 0;
  if (typeof eps !== 'number' || !(eps >= 0 && eps < 1)) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: labelSmoothing must be in [0, 1), got ${String(eps)}.`);
  }
  return eps;
}

function contrastiveFromLogits(fn: string, logits: tf.Tensor2D, options: ItcLogitsOptions): tf.Scalar {
  const n = logits.shape[0];
  const eps = readSmoothing(fn, options.labelSmoothing);
  const positives = options.groupIds === undefined ? tf.eye(n) : groupMask(readGroupIds(fn, options.groupIds, n));
  const loss = symmetricContrastive(logits, positives, eps);
  if (options.checkFinite ?? true) {
    assertFinite(fn, 'loss', loss, 'the loss overflowed; check the embeddings and logitScale.');
  }
  return loss;
}

/**
 * Symmetric InfoNCE (CLIP's loss) on a precomputed in-batch logit matrix: the mean of
 * text→image cross-entropy over rows and image→text cross-entropy over columns, targets on
 * the diagonal. Log-softmax goes through logsumexp, so any finite logits give a finite loss.
 * `N = 1` gives 0.
 *
 * @param logitsPerText - `[N, N]`, rows are texts, columns images (see {@link contrastiveLogits})
 * @param options - `groupIds`, `labelSmoothing` (0), `checkFinite` (true)
 * @returns scalar loss, differentiable with respect to `logitsPerText`
 * @throws MmauxLossError `INVALID_SHAPE` (not square), `EMPTY_BATCH`, `NON_FINITE`, `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const loss = itcLossFromLogits(tf.tensor2d([[10, 0], [0, 10]]));
 * loss.dataSync()[0]; // ≈ 4.54e-5
 * ```
 */
export function itcLossFromLogits(logitsPerText: tf.Tensor2D, options: ItcLogitsOptions = {}): tf.Scalar {
  const fn = 'itcLossFromLogits';
  assertTensor(fn, 'logitsPerText', logitsPerText, 2);
  const [n, m] = logitsPerText.shape;
  if (n !== m) {
    throw new MmauxLossError(
      'INVALID_SHAPE',
      `${fn}: logitsPerText must be square [N, N] (N texts against the same N images), got [${n}, ${m}].`,
    );
  }
  assertBatch(fn, 'logitsPerText', n);
  if (options.checkFinite ?? true) {
    assertFinite(fn, 'logitsPerText', logitsPerText, 'logits must be finite — check the embeddings and logitScale.');
  }
  return tf.tidy(() => contrastiveFromLogits(fn, logitsPerText, options));
}

/**
 * Image-text contrastive loss (ITC): symmetric InfoNCE over
 * `contrastiveLogits(text, image, min(logitScale, maxLogitScale))`, as CLIP and the paper's code.
 *
 * Stable at the clamp: with `logitScale = ln 100` and identical or near-identical embeddings the
 * loss and every gradient stay finite. Differentiable with respect to `text`, `image` and a
 * tensor/variable `logitScale`, through its own gradients (works with tfjs-core alone).
 *
 * @param text - text embeddings `[N, D]` (any norm; rows are L2-normalised here)
 * @param image - image embeddings `[N, D]`, row i from the same post as text row i
 * @param options - `logitScale` (`ln(1/0.07)`), `maxLogitScale` (`ln 100`), `labelSmoothing` (0),
 *   `groupIds` (none), `checkFinite` (true)
 * @returns scalar loss (ln N at random init with a tiny logit scale; 0 when N = 1)
 * @throws MmauxLossError `INVALID_SHAPE`, `EMPTY_BATCH`, `NON_FINITE`, `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const text = tf.tensor2d([[1, 0], [0, 1]]);
 * const image = tf.tensor2d([[0.9, 0.1], [0.2, 0.8]]);
 * itcLoss(text, image).dataSync()[0]; // ≈ 1.509e-5
 * const [gradText, gradImage] = tf.grads((t, v) => itcLoss(t as tf.Tensor2D, v as tf.Tensor2D))([text, image]);
 * ```
 */
export function itcLoss(text: tf.Tensor2D, image: tf.Tensor2D, options: ItcOptions = {}): tf.Scalar {
  const fn = 'itcLoss';
  const checkFinite = options.checkFinite ?? true;
  checkEmbeddingPair(fn, text, image, checkFinite);
  const maxLogitScale = options.maxLogitScale ?? MAX_LOGIT_SCALE;
  if (typeof maxLogitScale !== 'number' || Number.isNaN(maxLogitScale)) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: maxLogitScale must be a number, got ${String(maxLogitScale)}.`);
  }
  return tf.tidy(() => {
    const raw = logitScaleTensor(fn, options.logitScale ?? DEFAULT_LOGIT_SCALE);
    if (checkFinite) assertFinite(fn, 'logitScale', raw, 'the log inverse temperature must be finite.');
    const logits = scaledCosine(text, image, clampScalar(raw, -Infinity, maxLogitScale));
    return contrastiveFromLogits(fn, logits, options);
  });
}
