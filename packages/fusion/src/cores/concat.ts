import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from '../config.js';
import type { Encoded, FusionCore } from '../fusion-core.js';
import { dense } from '../layers.js';
import { denseWeights, type WeightStore } from '../weights.js';
import { blockRows, featuresAreConstant, imageVector, pairedImageRows, rowRange, textVector, vectorReads } from './rows.js';

/**
 * `concat` (Ber-ViT-Conc): `ReLU(W·[t; v] + b) = ReLU(W_t·t + W_v·v + b)`. When the ITM pass or
 * the ITC sources need each modality's share, `W_t·t` and `W_v·v` come from one product and
 * the fused rows of any text–image pairing are sums of them; otherwise one plain product.
 */
export function concatCore(config: FusionConfig, store: WeightStore): FusionCore {
  const w = denseWeights(store, 'concat/dense', config.textDim + config.imageDim, config.hiddenDim);
  const constant = featuresAreConstant(config);
  const split = (needs: { summaries: boolean; itm: boolean }) => needs.summaries || needs.itm;
  return {
    fusesSubsets: true,
    reads: vectorReads(config, true, true),
    encode: (input, batch, _ctx, needs): Encoded => {
      const t = textVector(config, input.text!);
      const v = imageVector(config, input.image!);
      if (!split(needs)) return { text: { t }, image: { v } };
      const parts = dense(blockRows(t, v), w.kernel, undefined, constant) as tf.Tensor2D;
      const tw = rowRange(parts, 0, batch.n);
      const vw = rowRange(parts, batch.n, batch.n);
      // Each modality's share of the fusion layer, W_t·t and W_v·v: ITC on them trains W.
      return { text: { tw }, image: { vw }, textSummary: tw, imageSummary: vw };
    },
    fuse: (text, image, batch) => {
      if (text.t !== undefined) {
        return { fused: tf.relu(dense(tf.concat([text.t, image.v!], 1), w.kernel, w.bias, constant)) as tf.Tensor2D };
      }
      const tw = text.tw as tf.Tensor2D;
      const vw = image.vw as tf.Tensor2D;
      return { fused: tf.relu(tf.add(tf.add(tw, pairedImageRows(vw, batch)), w.bias!)) as tf.Tensor2D };
    },
  };
}
