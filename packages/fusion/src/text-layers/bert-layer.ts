import * as tf from '@tensorflow/tfjs';
import { withGradient } from '../custom-gradient.js';
import { matMulBias } from '../kernels/matmul.js';
import { columnSums } from '../kernels/reductions.js';
import { dropout, type ForwardContext, layerNorm, residualAdd, selectRows } from '../layers.js';
import { transposedTimes } from '../products.js';
import { activationOf, geluErfSlopeFromCdf, normalCdf } from './activation.js';
import type { TextEncoderLayersConfig } from './config.js';
import { linear, timesWeight, transposeForProduct } from './linear.js';
import { bertQueryAttention, bertSelfAttention } from './self-attention.js';
import { packTokens, type TokenPacking, unpackTokens } from './token-packing.js';

// One post-LN encoder layer as HF's BertLayer computes it (RobertaLayer and XLMRobertaLayer are
// the same code):
//   a  = dropout(W_o · attention(x) + b_o);  h = LN(x + a)
//   f  = dropout(W_2 · act(W_1 · h + b_1) + b_2);  y = LN(h + f)

/** `y = x·Wᵀ + b`'s two variables, PyTorch layout (`weight` `[out, in]`). */
export interface LinearVariables {
  weight: tf.Variable;
  bias: tf.Variable;
}

/** A LayerNorm's scale (`weight`) and shift (`bias`). */
export interface NormVariables {
  weight: tf.Variable;
  bias: tf.Variable;
}

/** The variables of one encoder layer. */
export interface BertLayerVariables {
  query: LinearVariables;
  key: LinearVariables;
  value: LinearVariables;
  attentionOutput: LinearVariables;
  attentionNorm: NormVariables;
  intermediate: LinearVariables;
  output: LinearVariables;
  outputNorm: NormVariables;
}

/** What one layer's forward pass needs besides its input. */
export interface LayerContext extends ForwardContext {
  config: TextEncoderLayersConfig;
  /** `[N, T]`: 0 for a real key, −1e9 for padding. */
  keyBias: tf.Tensor2D;
  /** The batch's real tokens when the layer works on them alone (`x` `[1, R, H]`); absent: `x` is the whole `[N, T, H]` grid. */
  packing?: TokenPacking | null;
}

/**
 * The feed-forward block `W₂·act(W₁·x + b₁) + b₂` as one op that saves x and the
 * pre-activation (the activation is recomputed in the backward pass; for exact GELU, `Φ` of the
 * pre-activation is saved too, so that neither the value nor the slope needs erf again); weights
 * in PyTorch layout, read back from their variables.
 */
export function bertFeedForward(x: tf.Tensor3D, w1: tf.Variable, b1: tf.Variable, w2: tf.Variable, b2: tf.Variable, config: TextEncoderLayersConfig): tf.Tensor3D {
  const [n, t, h] = x.shape;
  const act = activationOf(config.hiddenAct);
  return withGradient<tf.Tensor3D>([x, w1, b1, w2, b2], (inputs, save) => {
    const [xi, wi, bi, wo, bo] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    const flat = tf.reshape(xi, [-1, h]) as tf.Tensor2D;
    const wiT = transposeForProduct(wi);
    const pre = matMulBias(flat, wiT, bi);
    wiT.dispose();
    const cdf = config.hiddenAct === 'gelu' ? normalCdf(pre) : null;
    save(cdf === null ? [flat, pre] : [flat, pre, cdf]);
    const woT = transposeForProduct(wo);
    const activated = (cdf === null ? act.value(pre) : tf.mul(pre, cdf)) as tf.Tensor2D;
    const value = tf.reshape(matMulBias(activated, woT, bo), [n, t, h]);
    tf.dispose(cdf === null ? [woT, activated] : [woT, activated, cdf]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [sx, sp, sc] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D | undefined];
        const g = tf.reshape(dy, [-1, h]) as tf.Tensor2D;
        // One [N·T, F] temporary at a time where possible: this is the step's memory peak.
        const activated = (sc === undefined ? act.value(sp) : tf.mul(sp, sc)) as tf.Tensor2D;
        const dw2 = transposedTimes(g, activated);
        activated.dispose();
        const dAct = timesWeight(g, w2 as tf.Tensor2D);
        const slope = sc === undefined ? act.slope(sp) : geluErfSlopeFromCdf(sp, sc);
        const dPre = tf.mul(dAct, slope) as tf.Tensor2D;
        tf.dispose([dAct, slope]);
        return [tf.reshape(timesWeight(dPre, w1 as tf.Tensor2D), [n, t, h]), transposedTimes(dPre, sx), columnSums(dPre), dw2, columnSums(g)];
      },
    };
  });
}

/** @internal Dropout mask `[N, h, T, T]` for the attention weights (entries 0 or `1/(1 − p)`), drawn from `rng`. */
export function attentionDropMask(shape: [number, number, number, number], rate: number, ctx: ForwardContext): tf.Tensor4D | null {
  if (!ctx.training || rate <= 0) return null;
  const keep = 1 / (1 - rate);
  const values = new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]);
  for (let i = 0; i < values.length; i++) values[i] = ctx.rng() < rate ? 0 : keep;
  return tf.tensor4d(values, shape);
}

/**
 * One encoder layer, `[N, T, H]` → `[N, T, H]` (with `ctx.packing`: the real tokens' rows,
 * `[1, R, H]` → `[1, R, H]`; attention alone sees the `[N, T]` grid). With `constantInput`, `x`
 * is a constant (the cached hidden state a top-k stack starts from): no gradient is computed for it.
 */
export function bertLayer(x: tf.Tensor3D, w: BertLayerVariables, ctx: LayerContext, constantInput = false): tf.Tensor3D {
  const { config } = ctx;
  const packing = ctx.packing ?? null;
  const [n, t] = packing === null ? x.shape : [packing.n, packing.t];
  const projected = linear(x, [w.query, w.key, w.value], constantInput) as tf.Tensor3D;
  const qkv = packing === null ? projected : unpackTokens(projected, packing);
  const mask = attentionDropMask([n, config.numHeads, t, t], config.attentionDropout, ctx);
  const grid = bertSelfAttention(qkv, config.numHeads, ctx.keyBias, mask);
  const context = packing === null ? grid : packTokens(grid, packing);
  const attended = dropout(linear(context, [w.attentionOutput]), config.hiddenDropout, ctx);
  const h = layerNorm(residualAdd(x, attended), w.attentionNorm.weight, w.attentionNorm.bias, config.layerNormEps) as tf.Tensor3D;
  const ffn = dropout(bertFeedForward(h, w.intermediate.weight, w.intermediate.bias, w.output.weight, w.output.bias, config), config.hiddenDropout, ctx);
  return layerNorm(residualAdd(h, ffn), w.outputNorm.weight, w.outputNorm.bias, config.layerNormEps) as tf.Tensor3D;
}

/**
 * {@link bertLayer} where only the first token's output is read (a model on the CLS token or
 * the pooled vector): keys and values for every token, but the query, output projection, layer
 * norms and FFN for the first token alone — `[N, 1, H]`, equal to row 0 of {@link bertLayer}'s
 * output. `x` as for {@link bertLayer} (`[N, T, H]`, or `[1, R, H]` with `ctx.packing`).
 */
export function bertLayerFirstToken(x: tf.Tensor3D, w: BertLayerVariables, ctx: LayerContext, constantInput = false): tf.Tensor3D {
  const { config } = ctx;
  const packing = ctx.packing ?? null;
  const [n, t] = packing === null ? x.shape : [packing.n, packing.t];
  const width = x.shape[2];
  // Row of each post's first token in x (packed rows keep the grid's order; position 0 is always real).
  const firstRows = new Int32Array(n);
  if (packing === null) for (let i = 0; i < n; i++) firstRows[i] = i * t;
  else for (let r = 0, i = 0; r < packing.rows.length && i < n; r++) if (packing.rows[r] === i * t) firstRows[i++] = r;
  const first = tf.reshape(selectRows(tf.reshape(x, [-1, width]), firstRows), [n, 1, width]) as tf.Tensor3D;
  const projected = linear(x, [w.key, w.value], constantInput) as tf.Tensor3D;
  const kv = packing === null ? projected : unpackTokens(projected, packing);
  const q = linear(first, [w.query], constantInput) as tf.Tensor3D;
  const mask = attentionDropMask([n, config.numHeads, 1, t], config.attentionDropout, ctx);
  const context = bertQueryAttention(q, kv, config.numHeads, ctx.keyBias, mask);
  const attended = dropout(linear(context, [w.attentionOutput]), config.hiddenDropout, ctx);
  const h = layerNorm(residualAdd(first, attended), w.attentionNorm.weight, w.attentionNorm.bias, config.layerNormEps) as tf.Tensor3D;
  const ffn = dropout(bertFeedForward(h, w.intermediate.weight, w.intermediate.bias, w.output.weight, w.output.bias, config), config.hiddenDropout, ctx);
  return layerNorm(residualAdd(h, ffn), w.outputNorm.weight, w.outputNorm.bias, config.layerNormEps) as tf.Tensor3D;
}
