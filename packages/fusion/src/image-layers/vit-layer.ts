import * as tf from '@tensorflow/tfjs';
import { dropout, type ForwardContext, layerNorm, residualAdd, tokenAt } from '../layers.js';
import { attentionDropMask, bertFeedForward, type LinearVariables, type NormVariables } from '../text-layers/bert-layer.js';
import type { TextEncoderLayersConfig } from '../text-layers/config.js';
import { linear } from '../text-layers/linear.js';
import { bertQueryAttention, bertSelfAttention } from '../text-layers/self-attention.js';

// One pre-LN encoder layer as HF's ViTLayer computes it:
//   h = x + dropout(W_o · attention(LN_before(x)) + b_o)
//   y = h + dropout(W_2 · act(W_1 · LN_after(h) + b_1) + b_2)
// The projections, the attention core and the feed-forward op are the text layers' own.

/** The variables of one ViT layer. */
export interface VitLayerVariables {
  normBefore: NormVariables;
  query: LinearVariables;
  key: LinearVariables;
  value: LinearVariables;
  attentionOutput: LinearVariables;
  normAfter: NormVariables;
  intermediate: LinearVariables;
  output: LinearVariables;
}

/** What one layer's forward pass needs besides its input. */
export interface VitLayerContext extends ForwardContext {
  /** The shared kernels' view of the ViT's shape (`textKernelConfig`). */
  kernels: TextEncoderLayersConfig;
  /** `[N, T]` zeros: every image token is a key (no padding). */
  keyBias: tf.Tensor2D;
}

/**
 * One ViT layer, `[N, T, H]` → `[N, T, H]`. An input that is a constant (the cached hidden state
 * a top-k stack starts from) gets no gradient: nothing recorded leads to a variable through it
 * alone, and its residual branch passes the gradient through unchanged.
 */
export function vitLayer(x: tf.Tensor3D, w: VitLayerVariables, ctx: VitLayerContext): tf.Tensor3D {
  const { kernels } = ctx;
  const [n, t] = x.shape;
  const eps = kernels.layerNormEps;
  const normed = layerNorm(x, w.normBefore.weight, w.normBefore.bias, eps) as tf.Tensor3D;
  const qkv = linear(normed, [w.query, w.key, w.value]) as tf.Tensor3D;
  const mask = attentionDropMask([n, kernels.numHeads, t, t], kernels.attentionDropout, ctx);
  const context = bertSelfAttention(qkv, kernels.numHeads, ctx.keyBias, mask);
  const attended = dropout(linear(context, [w.attentionOutput]), kernels.hiddenDropout, ctx);
  const h = residualAdd(x, attended) as tf.Tensor3D;
  const normedAfter = layerNorm(h, w.normAfter.weight, w.normAfter.bias, eps) as tf.Tensor3D;
  const ffn = dropout(bertFeedForward(normedAfter, w.intermediate.weight, w.intermediate.bias, w.output.weight, w.output.bias, kernels), kernels.hiddenDropout, ctx);
  return residualAdd(h, ffn) as tf.Tensor3D;
}

/**
 * {@link vitLayer} where only the CLS token's output is read (a model on the CLS token or the
 * pooled vector): LN_before, keys and values for every token, but the query, output projection,
 * LN_after and FFN for the CLS token alone — `[N, T, H]` → `[N, 1, H]`, equal to row 0 of
 * {@link vitLayer}'s output.
 */
export function vitLayerFirstToken(x: tf.Tensor3D, w: VitLayerVariables, ctx: VitLayerContext): tf.Tensor3D {
  const { kernels } = ctx;
  const [n, t, width] = x.shape;
  const eps = kernels.layerNormEps;
  const normed = layerNorm(x, w.normBefore.weight, w.normBefore.bias, eps) as tf.Tensor3D;
  const kv = linear(normed, [w.key, w.value]) as tf.Tensor3D;
  // LayerNorm is per row, so the CLS row of LN_before(x) is LN_before of the CLS row.
  const q = linear(tf.reshape(tokenAt(normed, 0), [n, 1, width]) as tf.Tensor3D, [w.query]) as tf.Tensor3D;
  const mask = attentionDropMask([n, kernels.numHeads, 1, t], kernels.attentionDropout, ctx);
  const context = bertQueryAttention(q, kv, kernels.numHeads, ctx.keyBias, mask);
  const attended = dropout(linear(context, [w.attentionOutput]), kernels.hiddenDropout, ctx);
  const first = tf.reshape(tokenAt(x, 0), [n, 1, width]) as tf.Tensor3D;
  const h = residualAdd(first, attended) as tf.Tensor3D;
  const normedAfter = layerNorm(h, w.normAfter.weight, w.normAfter.bias, eps) as tf.Tensor3D;
  const ffn = dropout(bertFeedForward(normedAfter, w.intermediate.weight, w.intermediate.bias, w.output.weight, w.output.bias, kernels), kernels.hiddenDropout, ctx);
  return residualAdd(h, ffn) as tf.Tensor3D;
}
