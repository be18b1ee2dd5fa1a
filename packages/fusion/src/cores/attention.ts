import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from '../config.js';
import { withGradient } from '../custom-gradient.js';
import type { FusionCore } from '../fusion-core.js';
import { rowDots, weightedRows } from '../kernels/row-products.js';
import { dense } from '../layers.js';
import { timesTransposed, transposedTimes } from '../products.js';
import { denseWeights, type WeightStore } from '../weights.js';
import { imageIsConstant, textIsConstant, textVector } from './rows.js';

/**
 * `q · Wᵀ` for a `[N, H]` query and a `[D, H]` kernel, differentiable in both (`dq = dr·W`,
 * `dW = drᵀ·q`).
 */
export function timesKernelTransposed(q: tf.Tensor2D, kernel: tf.Variable): tf.Tensor2D {
  return withGradient<tf.Tensor2D>([q, kernel], ([x], save) => {
    save([x as tf.Tensor]);
    return {
      value: timesTransposed(x as tf.Tensor2D, kernel as tf.Tensor2D),
      gradFunc: (dr, [sq]) => [tf.matMul(dr as tf.Tensor2D, kernel as tf.Tensor2D), transposedTimes(dr as tf.Tensor2D, sq as tf.Tensor2D)],
    };
  });
}

/**
 * Single-query attention read through the patches themselves: for post row n (of R) and its
 * image block V[n mod N] `[P, D]`, `a = softmax(scale · r_n·V_pᵀ)` and `u_n = Σ_p a_p·V_p`.
 * `V` is a constant (frozen features); the gradient reaches `r`:
 * `da_p = du·V_p`, `ds = a ⊙ (da − Σ a⊙da)`, `dr = scale · Σ_p ds_p·V_p`. Four passes over V per
 * step in all, each a row kernel.
 */
export function attendRows(r: tf.Tensor2D, patches: tf.Tensor3D, scale: number): tf.Tensor2D {
  return withGradient<tf.Tensor2D>([r], ([x], save) => {
    const weights = tf.softmax(rowDots(x as tf.Tensor2D, patches, scale));
    save([weights]);
    return {
      value: weightedRows(weights, patches),
      gradFunc: (du, [a]) => {
        const da = rowDots(du as tf.Tensor2D, patches);
        const ds = tf.mul(a as tf.Tensor, tf.sub(da, tf.sum(tf.mul(da, a as tf.Tensor), 1, true))) as tf.Tensor2D;
        return [tf.mul(weightedRows(ds, patches), scale)];
      },
    };
  });
}

/**
 * {@link attendRows} differentiable in the patches too (a model that trains image encoder
 * layers): besides `dr`, `dV[m] = Σ_{n ≡ m} (a_n ⊗ du_n + scale · ds_n ⊗ r_n)`, summed over the
 * posts that read block m (the matched and the ITM rows).
 */
export function attendRowsTrainable(r: tf.Tensor2D, patches: tf.Tensor3D, scale: number): tf.Tensor2D {
  return withGradient<tf.Tensor2D>([r, patches], ([x, v], save) => {
    const weights = tf.softmax(rowDots(x as tf.Tensor2D, v as tf.Tensor3D, scale));
    save([x as tf.Tensor, v as tf.Tensor, weights]);
    return {
      value: weightedRows(weights, v as tf.Tensor3D),
      gradFunc: (du, [sr, sv, a]) => {
        const values = sv as tf.Tensor3D;
        const [nv, p, d] = values.shape;
        const rows = (sr as tf.Tensor2D).shape[0];
        const da = rowDots(du as tf.Tensor2D, values);
        const ds = tf.mul(a as tf.Tensor, tf.sub(da, tf.sum(tf.mul(da, a as tf.Tensor), 1, true))) as tf.Tensor2D;
        const dr = tf.mul(weightedRows(ds, values), scale);
        // Outer products per post row, then the rows of one block summed (row n reads block n mod nv).
        const perRow = tf.add(
          tf.matMul(tf.reshape(a as tf.Tensor, [rows, p, 1]), tf.reshape(du, [rows, 1, d])),
          tf.matMul(tf.reshape(tf.mul(ds, scale), [rows, p, 1]), tf.reshape(sr as tf.Tensor, [rows, 1, d])),
        );
        const dv = rows === nv ? perRow : tf.sum(tf.reshape(perRow, [rows / nv, nv, p, d]), 0);
        return [dr, dv];
      },
    };
  });
}

/**
 * `attention` (Ber-ViT-Att): the text vector's query attends over the image patches
 * (single-head scaled dot-product attention, Q/K/V projections with bias, no output
 * projection); the attended vector joined with the text vector → linear → ReLU. The paper
 * computes queries for every token but reads only row 0, so only that query exists here.
 *
 * Computed without projecting a single patch: with `r = q·W_Kᵀ`, the scores `q·(V_p·W_K + b_K)`
 * are `r·V_p` plus `q·b_K`, which is the same for every patch and cancels in the softmax; and as
 * the weights sum to 1, `Σ_p a_p·(V_p·W_V + b_V) = (Σ_p a_p·V_p)·W_V + b_V`. That is
 * O(P·D + D·H) per post instead of O(P·D·H), with the same numbers. Image patches have no padding.
 */
export function attentionCore(config: FusionConfig, store: WeightStore): FusionCore {
  const h = config.hiddenDim;
  const q = denseWeights(store, 'attention/q', config.textDim, h);
  const k = denseWeights(store, 'attention/k', config.imageDim, h);
  const v = denseWeights(store, 'attention/v', config.imageDim, h);
  const out = denseWeights(store, 'attention/dense', config.textDim + h, h);
  const scale = 1 / Math.sqrt(h);
  const imageConstant = imageIsConstant(config);
  const attend = imageConstant ? attendRows : attendRowsTrainable;
  return {
    fusesSubsets: false,
    reads: { textTokens: config.summary === 'first-token' ? 'first' : 'none', imagePatches: 'all' },
    encode: (input, _batch, _ctx, needs) => {
      const t = textVector(config, input.text!);
      const query = dense(t, q.kernel, q.bias, textIsConstant(config)) as tf.Tensor2D;
      const patches = input.image!.patches;
      const encoded = { text: { t, r: timesKernelTransposed(query, k.kernel) }, image: { patches } };
      if (!needs.summaries) return encoded;
      // Align before fusing (as ALBEF): the text's query against the mean of its image's keys,
      // mean_p(V_p·W_K + b_K) = mean_p(V_p)·W_K + b_K.
      const [n, p] = patches.shape;
      const meanPatch = imageConstant ? weightedRows(tf.fill([n, p], 1 / p) as tf.Tensor2D, patches) : (tf.mean(patches, 1) as tf.Tensor2D);
      return { ...encoded, textSummary: query, imageSummary: dense(meanPatch, k.kernel, k.bias, imageConstant) as tf.Tensor2D };
    },
    fuse: (text, image) => {
      const attendedPatch = attend(text.r as tf.Tensor2D, image.patches as tf.Tensor3D, scale);
      const attended = dense(attendedPatch, v.kernel, v.bias);
      return { fused: tf.relu(dense(tf.concat([text.t!, attended], 1), out.kernel, out.bias)) as tf.Tensor2D };
    },
  };
}
