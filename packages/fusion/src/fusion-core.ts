import type * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from './config.js';
import type { CheckedBatch, ImageFeatures, TextFeatures } from './features.js';
import type { ForwardContext } from './layers.js';

/** What a fusion core computes for a batch of (text, image) pairs. */
export interface FuseResult {
  /** `[N, hiddenDim]` fused representation (input of the classifier and the ITM head). */
  fused: tf.Tensor2D;
  /** `[N, hiddenDim]` text output of a transformer kind (for `itcSource: 'fusion'`). */
  textSummary?: tf.Tensor2D;
  /** `[N, hiddenDim]` image output of a transformer kind (for `itcSource: 'fusion'`). */
  imageSummary?: tf.Tensor2D;
}

/**
 * The fusion layers of one kind. The image side is prepared once per batch and reused by every
 * text paired with it: the matched pass and the ITM pass with swapped texts share it.
 */
export interface FusionCore {
  /** Image-only computation (projections, keys/values, embeddings); `undefined` for text-only. */
  prepareImage(image: ImageFeatures | undefined, batch: CheckedBatch, ctx: ForwardContext): unknown;
  /** Fuses texts with a prepared image batch (row i with row i). */
  fuse(text: TextFeatures | undefined, textBatch: CheckedBatch, prepared: unknown, ctx: ForwardContext): FuseResult;
}

/** Creates the cores; each registers its weights in the store in a fixed order. */
export type CoreFactory = (config: FusionConfig) => FusionCore;
