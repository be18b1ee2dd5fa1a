import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from '../config.js';
import type { Encoded, FusionCore } from '../fusion-core.js';
import { dense } from '../layers.js';
import { denseWeights, type WeightStore } from '../weights.js';
import { blockRows, featuresAreConstant, imageIsConstant, imageVector, pairedImageRows, rowRange, textIsConstant, textVector, vectorReads } from './rows.js';

/**
 * `gmu`, the gated multimodal unit (Arevalo et al. 2017): `h_t = tanh(W_t·t + b_t)`,
 * `h_v = tanh(W_v·v + b_v)`, `z = σ(W_z·[t; v] + b_z)`, fused `= z ⊙ h_t + (1 − z) ⊙ h_v`. For
 * the ITM pass the gate's text and image shares come from one product (as in `concat`).
 */
export function gmuCore(config: FusionConfig, store: WeightStore): FusionCore {
  const h = config.hiddenDim;
  const constant = textIsConstant(config);
  const bothConstant = featuresAreConstant(config);
  const wt = denseWeights(store, 'gmu/text', config.textDim, h);
  const wv = denseWeights(store, 'gmu/image', config.imageDim, h);
  const wz = denseWeights(store, 'gmu/gate', config.textDim + config.imageDim, h);
  return {
    fusesSubsets: true,
    reads: vectorReads(config, true, true),
    encode: (input, batch, _ctx, needs): Encoded => {
      const t = textVector(config, input.text!);
      const v = imageVector(config, input.image!);
      const ht = tf.tanh(dense(t, wt.kernel, wt.bias, constant)) as tf.Tensor2D;
      const hv = tf.tanh(dense(v, wv.kernel, wv.bias, imageIsConstant(config))) as tf.Tensor2D;
      // The two modality units the gate mixes are the ITC sources.
      const summaries = needs.summaries ? { textSummary: ht, imageSummary: hv } : {};
      if (!needs.itm) return { text: { t, ht }, image: { v, hv }, ...summaries };
      const gate = dense(blockRows(t, v), wz.kernel, undefined, bothConstant) as tf.Tensor2D;
      return { text: { ht, zt: rowRange(gate, 0, batch.n) }, image: { hv, zv: rowRange(gate, batch.n, batch.n) }, ...summaries };
    },
    fuse: (text, image, batch) => {
      const ht = text.ht as tf.Tensor2D;
      const hv = pairedImageRows(image.hv as tf.Tensor2D, batch);
      const z =
        text.zt === undefined
          ? tf.sigmoid(dense(tf.concat([text.t!, image.v!], 1), wz.kernel, wz.bias, bothConstant))
          : tf.sigmoid(tf.add(tf.add(text.zt, pairedImageRows(image.zv as tf.Tensor2D, batch)), wz.bias!));
      // z⊙h_t + (1 − z)⊙h_v = h_v + z⊙(h_t − h_v)
      return { fused: tf.add(hv, tf.mul(z, tf.sub(ht, hv))) as tf.Tensor2D };
    },
  };
}
