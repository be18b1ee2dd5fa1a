import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from '../config.js';
import type { FusionCore } from '../fusion-core.js';
import { dense, dropout, layerNorm, residualAdd, tokenAt } from '../layers.js';
import { denseWeights, type NormWeights, normWeights, type WeightStore } from '../weights.js';
import { imageIsConstant, pairedImageRows, textIsConstant } from './rows.js';
import { cleanTokens, leadingRows } from './tokens.js';
import {
  type AttentionBlockWeights,
  attentionBlockWeights,
  type AttentionWeights,
  attentionWeights,
  type FeedForwardWeights,
  feedForwardBlock,
  feedForwardWeights,
  keyBias,
  multiHeadAttention,
  selfAttentionBlock,
} from './transformer-blocks.js';

interface CrossLayer {
  textCrossNorm: NormWeights;
  imageCrossNorm: NormWeights;
  textCross: AttentionWeights;
  imageCross: AttentionWeights;
  textSelf: AttentionBlockWeights;
  imageSelf: AttentionBlockWeights;
  textFfn: FeedForwardWeights;
  imageFfn: FeedForwardWeights;
}

/**
 * `dual-stream` (LXMERT-like): a text stream and an image stream (projected to `hiddenDim`, plus
 * position embeddings and a layer norm each), then `layers` cross-modal layers. Each layer, pre-LN:
 * text attends to image and image attends to text (both from the layer's input streams), then
 * self-attention in each stream, then a feed-forward in each stream, all residual. Padded text
 * tokens are zeroed and never a key. Fused = `tanh(W·[text[0]; mean(image)] + b)`.
 */
export function dualStreamCore(config: FusionConfig, store: WeightStore): FusionCore {
  const h = config.hiddenDim;
  const p = 'dual-stream';
  const textIn = denseWeights(store, `${p}/text_in`, config.textDim, h);
  const imageIn = denseWeights(store, `${p}/image_in`, config.imageDim, h);
  const textPosition = store.normal(`${p}/text_position`, [config.maxTextLength, h]);
  const imagePosition = store.normal(`${p}/image_position`, [config.maxImageTokens, h]);
  const textEmbedNorm = normWeights(store, `${p}/text_embed_norm`, h);
  const imageEmbedNorm = normWeights(store, `${p}/image_embed_norm`, h);
  const layers: CrossLayer[] = [];
  for (let i = 0; i < config.layers; i++) {
    const q = `${p}/layer_${i}`;
    layers.push({
      textCrossNorm: normWeights(store, `${q}/text_cross_norm`, h),
      imageCrossNorm: normWeights(store, `${q}/image_cross_norm`, h),
      textCross: attentionWeights(store, `${q}/text_cross`, h),
      imageCross: attentionWeights(store, `${q}/image_cross`, h),
      textSelf: attentionBlockWeights(store, `${q}/text_self`, h),
      imageSelf: attentionBlockWeights(store, `${q}/image_self`, h),
      textFfn: feedForwardWeights(store, `${q}/text_ffn`, h, config.ffnDim),
      imageFfn: feedForwardWeights(store, `${q}/image_ffn`, h, config.ffnDim),
    });
  }
  const textFinalNorm = normWeights(store, `${p}/text_final_norm`, h);
  const imageFinalNorm = normWeights(store, `${p}/image_final_norm`, h);
  const pooler = denseWeights(store, `${p}/pooler`, 2 * h, h);
  const rate = config.transformerDropout;

  return {
    fusesSubsets: true,
    reads: { textTokens: 'all', imagePatches: 'all' },
    encode: (input, batch) => {
      const patches = input.image!.patches;
      const x = tf.add(dense(patches, imageIn.kernel, imageIn.bias, imageIsConstant(config)), leadingRows(imagePosition, patches.shape[1]));
      const l = input.text!.tokens.shape[1];
      const embedded = tf.add(dense(cleanTokens(input.text!, batch, !textIsConstant(config)), textIn.kernel, textIn.bias, textIsConstant(config)), leadingRows(textPosition, l));
      return { text: { embedded }, image: { image: layerNorm(x, imageEmbedNorm.gamma, imageEmbedNorm.beta) } };
    },
    fuse: (text, imageRows, batch, ctx) => {
      const embedded = text.embedded as tf.Tensor3D;
      const [n, l] = embedded.shape;
      let t = dropout(layerNorm(embedded, textEmbedNorm.gamma, textEmbedNorm.beta), rate, ctx) as tf.Tensor3D;
      let v = dropout(pairedImageRows(imageRows.image as tf.Tensor3D, batch), rate, ctx) as tf.Tensor3D;
      const textBias = keyBias(batch.mask!, n, l);
      for (const layer of layers) {
        const nt = layerNorm(t, layer.textCrossNorm.gamma, layer.textCrossNorm.beta) as tf.Tensor3D;
        const nv = layerNorm(v, layer.imageCrossNorm.gamma, layer.imageCrossNorm.beta) as tf.Tensor3D;
        const t2 = residualAdd(t, dropout(multiHeadAttention(layer.textCross, nt, nv, null, config.heads), rate, ctx));
        const v2 = residualAdd(v, dropout(multiHeadAttention(layer.imageCross, nv, nt, textBias, config.heads), rate, ctx));
        t = feedForwardBlock(selfAttentionBlock(t2, layer.textSelf, textBias, config.heads, rate, ctx), layer.textFfn, rate, ctx);
        v = feedForwardBlock(selfAttentionBlock(v2, layer.imageSelf, null, config.heads, rate, ctx), layer.imageFfn, rate, ctx);
      }
      const first = tokenAt(layerNorm(t, textFinalNorm.gamma, textFinalNorm.beta) as tf.Tensor3D, 0);
      const imageMean = tf.mean(layerNorm(v, imageFinalNorm.gamma, imageFinalNorm.beta), 1) as tf.Tensor2D;
      return {
        fused: tf.tanh(dense(tf.concat([first, imageMean], 1), pooler.kernel, pooler.bias)) as tf.Tensor2D,
        textSummary: first,
        imageSummary: imageMean,
      };
    },
  };
}
