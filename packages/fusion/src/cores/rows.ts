import * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from '../config.js';
import type { CheckedBatch, ImageFeatures, TextFeatures } from '../features.js';
import { selectRows, tokenAt } from '../layers.js';
import type { InputReads } from '../fusion-core.js';

/** The vector that stands for a post's text: its first token, or the pooled vector. */
export function textVector(config: FusionConfig, text: TextFeatures): tf.Tensor2D {
  return config.summary === 'first-token' ? tokenAt(text.tokens, 0) : text.pooled;
}

/** The vector that stands for a post's image: its first patch (ViT's CLS), or the pooled vector. */
export function imageVector(config: FusionConfig, image: ImageFeatures): tf.Tensor2D {
  return config.summary === 'first-token' ? tokenAt(image.patches, 0) : image.pooled;
}

/**
 * Whether the text features are constants (frozen encoder features): true unless the model
 * trains text encoder layers, whose outputs must pass gradients back.
 */
export function textIsConstant(config: FusionConfig): boolean {
  return config.textLayers === undefined;
}

/**
 * Whether the image features are constants (frozen encoder features): true unless the model
 * trains image encoder layers, whose outputs must pass gradients back.
 */
export function imageIsConstant(config: FusionConfig): boolean {
  return config.imageLayers === undefined;
}

/** Whether both modalities' features are constants (a product over their concatenation may skip its input gradient). */
export function featuresAreConstant(config: FusionConfig): boolean {
  return textIsConstant(config) && imageIsConstant(config);
}

/** What a kind that reads one vector per modality reads. */
export function vectorReads(config: FusionConfig, text: boolean, image: boolean): InputReads {
  const part = config.summary === 'first-token' ? 'first' : 'none';
  return { textTokens: text ? part : 'none', imagePatches: image ? part : 'none' };
}

/** Rows `[start, start + count)` of a tensor (posts along axis 0); differentiable. */
export function rowRange<T extends tf.Tensor>(x: T, start: number, count: number): T {
  if (start === 0 && count === x.shape[0]) return x;
  return tf.slice(x, [start, ...x.shape.slice(1).map(() => 0)], [count, ...x.shape.slice(1)]) as T;
}

/** `x` stacked `times` times along axis 0 (row r of the result is row r mod N of x). */
export function repeatRows<T extends tf.Tensor>(x: T, times: number): T {
  return (times === 1 ? x : tf.concat(Array.from({ length: times }, () => x), 0)) as T;
}

/** The image rows paired with `fuse`'s text rows: those `batch.imageOrder` names, else row r mod N for R = `batch.n` rows. */
export function pairedImageRows<T extends tf.Tensor>(x: T, batch: CheckedBatch): T {
  return batch.imageOrder === undefined ? repeatRows(x, batch.n / x.shape[0]!) : selectRows(x, batch.imageOrder);
}

/**
 * `[[a, 0], [0, b]]`: `[Na + Nb, Da + Db]`. One product of it with a `[Da + Db, H]` kernel gives
 * `a·W_a` (first Na rows) and `b·W_b` (the rest) without slicing the kernel, and the kernel's
 * gradient from one product.
 */
export function blockRows(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [na, da] = a.shape;
  const [nb, db] = b.shape;
  return tf.concat([tf.concat([a, tf.zeros([na, db])], 1), tf.concat([tf.zeros([nb, da]), b], 1)], 0) as tf.Tensor2D;
}
