import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from '../config.js';
import type { FusionCore } from '../fusion-core.js';
import { dense } from '../layers.js';
import { denseWeights, type WeightStore } from '../weights.js';
import { imageIsConstant, imageVector, textIsConstant, textVector, vectorReads } from './rows.js';

/** `text-only`: `ReLU(W·t + b)` on the text vector. */
export function textOnlyCore(config: FusionConfig, store: WeightStore): FusionCore {
  const w = denseWeights(store, 'text-only/dense', config.textDim, config.hiddenDim);
  return {
    fusesSubsets: false,
    reads: vectorReads(config, true, false),
    encode: (input) => ({ text: { t: textVector(config, input.text!) }, image: {} }),
    fuse: (text) => ({ fused: tf.relu(dense(text.t!, w.kernel, w.bias, textIsConstant(config))) as tf.Tensor2D }),
  };
}

/** `image-only`: `ReLU(W·v + b)` on the image vector. */
export function imageOnlyCore(config: FusionConfig, store: WeightStore): FusionCore {
  const w = denseWeights(store, 'image-only/dense', config.imageDim, config.hiddenDim);
  return {
    fusesSubsets: false,
    reads: vectorReads(config, false, true),
    encode: (input) => ({ text: {}, image: { v: imageVector(config, input.image!) } }),
    fuse: (_text, image) => ({ fused: tf.relu(dense(image.v!, w.kernel, w.bias, imageIsConstant(config))) as tf.Tensor2D }),
  };
}
