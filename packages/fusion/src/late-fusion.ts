import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from './config.js';
import type { ImageFeatures, TextFeatures } from './features.js';
import type { FusionCore } from './fusion-core.js';
import { dense, tokenAt } from './layers.js';
import { denseWeights, type WeightStore } from './weights.js';

/** The vector that stands for a post's text: the first token, or the pooled vector. */
export function textSummary(config: FusionConfig, text: TextFeatures): tf.Tensor2D {
  return config.summary === 'first-token' ? tokenAt(text.tokens, 0) : text.pooled;
}

/** The vector that stands for a post's image: the first patch (ViT's CLS), or the pooled vector. */
export function imageSummary(config: FusionConfig, image: ImageFeatures): tf.Tensor2D {
  return config.summary === 'first-token' ? tokenAt(image.patches, 0) : image.pooled;
}

/** `text-only`: `ReLU(W·t + b)` on the text summary. */
export function textOnlyCore(config: FusionConfig, store: WeightStore): FusionCore {
  const w = denseWeights(store, 'text-only/dense', config.textDim, config.hiddenDim);
  return {
    prepareImage: () => undefined,
    fuse: (text) => ({ fused: tf.relu(dense(textSummary(config, text!), w.kernel, w.bias, true)) as tf.Tensor2D }),
  };
}

/** `image-only`: `ReLU(W·v + b)` on the image summary. */
export function imageOnlyCore(config: FusionConfig, store: WeightStore): FusionCore {
  const w = denseWeights(store, 'image-only/dense', config.imageDim, config.hiddenDim);
  return {
    prepareImage: (image) => imageSummary(config, image!),
    fuse: (_text, _batch, prepared) => ({
      fused: tf.relu(dense(prepared as tf.Tensor2D, w.kernel, w.bias, true)) as tf.Tensor2D,
    }),
  };
}

/** `concat` (Ber-ViT-Conc): `ReLU(W·[t; v] + b)`. */
export function concatCore(config: FusionConfig, store: WeightStore): FusionCore {
  const w = denseWeights(store, 'concat/dense', config.textDim + config.imageDim, config.hiddenDim);
  return {
    prepareImage: (image) => imageSummary(config, image!),
    fuse: (text, _batch, prepared) => {
      const t = textSummary(config, text!);
      const v = prepared as tf.Tensor2D;
      const fused = tf.relu(dense(tf.concat([t, v], 1), w.kernel, w.bias, true)) as tf.Tensor2D;
      if (config.itcSource !== 'fusion') return { fused };
      // Each modality's share of the fusion layer, W_t·t and W_v·v: ITC on them trains W.
      const h = config.hiddenDim;
      return {
        fused,
        textSummary: dense(t, tf.slice(w.kernel, [0, 0], [config.textDim, h]), undefined, true) as tf.Tensor2D,
        imageSummary: dense(v, tf.slice(w.kernel, [config.textDim, 0], [config.imageDim, h]), undefined, true) as tf.Tensor2D,
      };
    },
  };
}

/**
 * `attention` (Ber-ViT-Att): the text summary queries the image patches with single-head scaled
 * dot-product attention (`softmax(q·Kᵀ/√H)·V`, projections with bias, no output projection);
 * the attended vector joined with the text summary → linear → ReLU. The paper computes queries
 * for every token but reads only row 0, so only the first token's query is computed here (the
 * same result, and padding cannot reach it). Image patches have no padding.
 */
export function attentionCore(config: FusionConfig, store: WeightStore): FusionCore {
  const h = config.hiddenDim;
  const q = denseWeights(store, 'attention/q', config.textDim, h);
  const k = denseWeights(store, 'attention/k', config.imageDim, h);
  const v = denseWeights(store, 'attention/v', config.imageDim, h);
  const out = denseWeights(store, 'attention/dense', config.textDim + h, h);
  const scale = 1 / Math.sqrt(h);
  return {
    prepareImage: (image) => ({
      keys: dense(image!.patches, k.kernel, k.bias, true) as tf.Tensor3D,
      values: dense(image!.patches, v.kernel, v.bias, true) as tf.Tensor3D,
    }),
    fuse: (text, _batch, prepared) => {
      const { keys, values } = prepared as { keys: tf.Tensor3D; values: tf.Tensor3D };
      const t = textSummary(config, text!);
      const query = tf.expandDims(dense(t, q.kernel, q.bias, true), 1); // [N, 1, H]
      // One query per post: a broadcast product and a sum (a batched [1, H]·[H, P] per post).
      const scores = tf.mul(tf.sum(tf.mul(query, keys), 2), scale); // [N, P]
      const weights = tf.expandDims(tf.softmax(scores), 2); // [N, P, 1]
      const attended = tf.sum(tf.mul(weights, values), 1); // [N, H]
      const fused = tf.relu(dense(tf.concat([t, attended], 1), out.kernel, out.bias)) as tf.Tensor2D;
      // Align before fusing (as ALBEF): the text's query against the mean of its image's keys.
      if (config.itcSource !== 'fusion') return { fused };
      return { fused, textSummary: tf.squeeze(query, [1]) as tf.Tensor2D, imageSummary: tf.mean(keys, 1) as tf.Tensor2D };
    },
  };
}

/**
 * `gmu`, the gated multimodal unit (Arevalo et al. 2017): `h_t = tanh(W_t·t)`, `h_v = tanh(W_v·v)`,
 * `z = σ(W_z·[t; v])`, fused `= z ⊙ h_t + (1 − z) ⊙ h_v`.
 */
export function gmuCore(config: FusionConfig, store: WeightStore): FusionCore {
  const h = config.hiddenDim;
  const wt = denseWeights(store, 'gmu/text', config.textDim, h);
  const wv = denseWeights(store, 'gmu/image', config.imageDim, h);
  const wz = denseWeights(store, 'gmu/gate', config.textDim + config.imageDim, h);
  return {
    prepareImage: (image) => {
      const summary = imageSummary(config, image!);
      return { summary, hidden: tf.tanh(dense(summary, wv.kernel, wv.bias, true)) };
    },
    fuse: (text, _batch, prepared) => {
      const { summary, hidden } = prepared as { summary: tf.Tensor2D; hidden: tf.Tensor2D };
      const t = textSummary(config, text!);
      const ht = tf.tanh(dense(t, wt.kernel, wt.bias, true));
      const z = tf.sigmoid(dense(tf.concat([t, summary], 1), wz.kernel, wz.bias, true));
      const fused = tf.add(tf.mul(z, ht), tf.mul(tf.sub(1, z), hidden)) as tf.Tensor2D;
      // The two modality units the gate mixes.
      return config.itcSource === 'fusion' ? { fused, textSummary: ht as tf.Tensor2D, imageSummary: hidden } : { fused };
    },
  };
}
