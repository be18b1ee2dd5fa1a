import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from '../config.js';
import type { FusionCore } from '../fusion-core.js';
import { dense, dropout, layerNorm, selectRows, tokenAt } from '../layers.js';
import { denseWeights, normWeights, type WeightStore } from '../weights.js';
import { imageIsConstant, pairedImageRows, textIsConstant } from './rows.js';
import { cleanTokens, leadingRows, tableRow } from './tokens.js';
import { type AttentionBlockWeights, attentionBlockWeights, type FeedForwardWeights, feedForwardBlock, feedForwardWeights, keyBias, selfAttentionBlock } from './transformer-blocks.js';

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
    fusesSubsets: true,
    reads: { textTokens: 'all', imagePatches: 'all' },
    encode: (input, batch) => {
      const patches = input.image!.patches;
      const count = patches.shape[1];
      const x = tf.add(tf.add(dense(patches, imageIn.kernel, imageIn.bias, imageIsConstant(config)), leadingRows(imagePosition, count)), tableRow(modality, 1));
      const l = input.text!.tokens.shape[1];
      const tokens = tf.add(
        tf.add(dense(cleanTokens(input.text!, batch, !textIsConstant(config)), textIn.kernel, textIn.bias, textIsConstant(config)), tf.slice(textPosition, [1, 0], [l, h])),
        tableRow(modality, 0),
      );
      // Layer norm acts per token, so the image part is normalised once here.
      return { text: { tokens }, image: { image: layerNorm(x, embedNorm.gamma, embedNorm.beta) } };
    },
    fuse: (text, imageRows, batch, ctx) => {
      const tokens = text.tokens as tf.Tensor3D;
      const [n, l] = tokens.shape;
      const image = pairedImageRows(imageRows.image as tf.Tensor3D, batch);
      const count = image.shape[1];
      const textType = tableRow(modality, 0);
      const clsEmbedding = tf.add(tf.zeros([n, 1, h]), tf.add(tf.add(cls, tableRow(textPosition, 0)), textType));
      const sepPositions = Array.from(batch.lastReal!, (last) => last + 2);
      const sepEmbedding = tf.reshape(tf.add(tf.add(selectRows(textPosition as tf.Tensor2D, sepPositions), sep), textType), [n, 1, h]);
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
