import * as tf from '@tensorflow/tfjs';
import {
  type AttentionBlockWeights,
  attentionBlockWeights,
  attentionWeights,
  type FeedForwardWeights,
  feedForwardBlock,
  feedForwardWeights,
  keyBias,
  multiHeadAttention,
  selfAttentionBlock,
} from './attention.js';
import type { FusionConfig } from './config.js';
import type { CheckedBatch, TextFeatures } from './features.js';
import type { FusionCore } from './fusion-core.js';
import { dense, dropout, layerNorm, residualAdd, tokenAt } from './layers.js';
import { matMul } from './matmul.js';
import { denseWeights, normWeights, type WeightStore } from './weights.js';

/** `tokens` with padded positions set to 0, so no value there (not even NaN) reaches a layer. */
function cleanTokens(text: TextFeatures, batch: CheckedBatch): tf.Tensor3D {
  const [n, l, d] = text.tokens.shape;
  const keep = tf.tensor3d(batch.mask!, [n, l, 1]);
  return tf.where(tf.greater(tf.broadcastTo(keep, [n, l, d]), 0.5), text.tokens, tf.zerosLike(text.tokens)) as tf.Tensor3D;
}

/** Rows `0 … count−1` of a `[rows, H]` table. */
function leadingRows(table: tf.Tensor, count: number): tf.Tensor2D {
  return tf.slice(table, [0, 0], [count, table.shape[1] as number]) as tf.Tensor2D;
}

/** Row `index` of a `[rows, H]` table as `[H]`. */
function row(table: tf.Tensor, index: number): tf.Tensor1D {
  const width = table.shape[1] as number;
  return tf.reshape(tf.slice(table, [index, 0], [1, width]), [width]) as tf.Tensor1D;
}

/** Per-post rows of a table as `[N, H]`, by a one-hot product (differentiable on wasm). */
function rowsOf(table: tf.Tensor2D, indices: ArrayLike<number>): tf.Tensor2D {
  const rows = table.shape[0];
  const oneHot = new Float32Array(indices.length * rows);
  for (let i = 0; i < indices.length; i++) oneHot[i * rows + (indices[i] as number)] = 1;
  return matMul(tf.tensor2d(oneHot, [indices.length, rows]), table);
}

interface EncoderLayer {
  attention: AttentionBlockWeights;
  ffn: FeedForwardWeights;
}

/**
 * `single-stream` (MMBT/ViLT-like): a pre-LN transformer encoder over
 * `[CLS, text tokens, SEP, image tokens]`. Text tokens and image patches are projected to
 * `hiddenDim`; learned CLS and SEP vectors, position embeddings (text: CLS at 0, tokens at
 * 1…L, SEP right after the last real token; image: 0…P−1) and modality-type embeddings (0 text,
 * 1 image) are added, then a layer norm and dropout. Padded tokens are zeroed and masked out as
 * keys, so they change nothing. Fused = `tanh(W·LN(h)[CLS] + b)` (BERT's pooler).
 */
export function singleStreamCore(config: FusionConfig, store: WeightStore): FusionCore {
  const h = config.hiddenDim;
  const p = 'single-stream';
  const textIn = denseWeights(store, `${p}/text_in`, config.textDim, h);
  const imageIn = denseWeights(store, `${p}/image_in`, config.imageDim, h);
  const cls = store.normal(`${p}/cls`, [h]);
  const sep = store.normal(`${p}/sep`, [h]);
  const textPosition = store.normal(`${p}/text_position`, [config.maxTextLength + 2, h]);
  const imagePosition = store.normal(`${p}/image_position`, [config.maxImageTokens, h]);
  const modality = store.normal(`${p}/modality_type`, [2, h]);
  const embedNorm = normWeights(store, `${p}/embed_norm`, h);
  const layers: EncoderLayer[] = [];
  for (let i = 0; i < config.layers; i++) {
    layers.push({
      attention: attentionBlockWeights(store, `${p}/layer_${i}/attention`, h),
      ffn: feedForwardWeights(store, `${p}/layer_${i}/ffn`, h, config.ffnDim),
    });
  }
  const finalNorm = normWeights(store, `${p}/final_norm`, h);
  const pooler = denseWeights(store, `${p}/pooler`, h, h);
  const rate = config.transformerDropout;

  return {
    prepareImage: (image) => {
      const count = image!.patches.shape[1];
      const x = tf.add(
        tf.add(dense(image!.patches, imageIn.kernel, imageIn.bias, true), leadingRows(imagePosition, count)),
        row(modality, 1),
      );
      // Layer norm acts per token, so the image part is normalised once here.
      return layerNorm(x, embedNorm.gamma, embedNorm.beta) as tf.Tensor3D;
    },
    fuse: (text, batch, prepared, ctx) => {
      const image = prepared as tf.Tensor3D;
      const [n, l] = text!.tokens.shape;
      const count = image.shape[1];
      const textType = row(modality, 0);
      const tokens = tf.add(
        tf.add(dense(cleanTokens(text!, batch), textIn.kernel, textIn.bias, true), tf.slice(textPosition, [1, 0], [l, h])),
        textType,
      );
      const clsEmbedding = tf.add(tf.zeros([n, 1, h]), tf.add(tf.add(cls, row(textPosition, 0)), textType));
      const sepPositions = Array.from(batch.lastReal!, (last) => last + 2);
      const sepEmbedding = tf.reshape(tf.add(tf.add(rowsOf(textPosition as tf.Tensor as tf.Tensor2D, sepPositions), sep), textType), [n, 1, h]);
      const textPart = layerNorm(tf.concat([clsEmbedding, tokens, sepEmbedding], 1), embedNorm.gamma, embedNorm.beta);
      let x = dropout(tf.concat([textPart, image], 1), rate, ctx) as tf.Tensor3D;

      const s = l + 2 + count;
      const flags = new Float32Array(n * s).fill(1);
      for (let i = 0; i < n; i++) for (let j = 0; j < l; j++) flags[i * s + 1 + j] = batch.mask![i * l + j] as number;
      const bias = keyBias(flags, n, s);
      for (const layer of layers) {
        x = selfAttentionBlock(x, layer.attention, bias, config.heads, rate, ctx);
        x = feedForwardBlock(x, layer.ffn, rate, ctx);
      }
      const out = layerNorm(x, finalNorm.gamma, finalNorm.beta) as tf.Tensor3D;
      const first = tokenAt(out, 0);
      return {
        fused: tf.tanh(dense(first, pooler.kernel, pooler.bias)) as tf.Tensor2D,
        textSummary: first,
        imageSummary: tf.mean(tf.slice(out, [0, l + 2, 0], [n, count, h]), 1) as tf.Tensor2D,
      };
    },
  };
}

interface CrossLayer {
  textCrossNorm: ReturnType<typeof normWeights>;
  imageCrossNorm: ReturnType<typeof normWeights>;
  textCross: ReturnType<typeof attentionWeights>;
  imageCross: ReturnType<typeof attentionWeights>;
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
    prepareImage: (image) => {
      const count = image!.patches.shape[1];
      const x = tf.add(dense(image!.patches, imageIn.kernel, imageIn.bias, true), leadingRows(imagePosition, count));
      return layerNorm(x, imageEmbedNorm.gamma, imageEmbedNorm.beta) as tf.Tensor3D;
    },
    fuse: (text, batch, prepared, ctx) => {
      const [n, l] = text!.tokens.shape;
      const embedded = tf.add(dense(cleanTokens(text!, batch), textIn.kernel, textIn.bias, true), leadingRows(textPosition, l));
      let t = dropout(layerNorm(embedded, textEmbedNorm.gamma, textEmbedNorm.beta), rate, ctx) as tf.Tensor3D;
      let v = dropout(prepared as tf.Tensor3D, rate, ctx) as tf.Tensor3D;
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
