import * as tf from '@tensorflow/tfjs';
import { dropout, type ForwardContext } from '../layers.js';
import { linear } from '../text-layers/linear.js';
import type { ImageEncoderLayersConfig } from './config.js';

/** The embedding variables of a ViT. */
export interface VitEmbeddingVariables {
  /** `[1, 1, H]`. */
  clsToken: tf.Variable;
  /** `[1, 1 + P, H]`. */
  positions: tf.Variable;
  /** The patch convolution's kernel, PyTorch's `[H, C, p, p]`. */
  projection: tf.Variable;
  /** `[H]`. */
  projectionBias: tf.Variable;
}

/**
 * Pixels `[N, C, S, S]` (row-major, what an image processor gives) → patches `[N, P, C·p·p]`,
 * patch `gy·(S/p) + gx`, values in the conv kernel's `(c, ky, kx)` order: a convolution with
 * kernel = stride = p is then one product with the kernel seen as `[H, C·p·p]`. Done on the
 * host: the pixels are data, never differentiated.
 */
export function patchify(pixels: Float32Array | Int32Array | Uint8Array, n: number, config: ImageEncoderLayersConfig): Float32Array {
  const { numChannels: c, imageSize: s, patchSize: p } = config;
  const g = s / p;
  const width = c * p * p;
  const out = new Float32Array(n * g * g * width);
  for (let i = 0; i < n; i++) {
    for (let gy = 0; gy < g; gy++) {
      for (let gx = 0; gx < g; gx++) {
        let o = ((i * g + gy) * g + gx) * width;
        for (let ch = 0; ch < c; ch++) {
          for (let ky = 0; ky < p; ky++) {
            const row = ((i * c + ch) * s + gy * p + ky) * s + gx * p;
            for (let kx = 0; kx < p; kx++) out[o++] = pixels[row + kx] as number;
          }
        }
      }
    }
  }
  return out;
}

/**
 * HF's `ViTEmbeddings` (no interpolation, no mask token): `dropout([CLS; conv(pixels)] + E_pos)`,
 * `[N, 1 + P, H]`.
 */
export function vitEmbeddings(w: VitEmbeddingVariables, config: ImageEncoderLayersConfig, pixels: Float32Array, n: number, ctx: ForwardContext): tf.Tensor3D {
  const h = config.hiddenSize;
  const g = config.imageSize / config.patchSize;
  const width = config.numChannels * config.patchSize ** 2;
  const patches = tf.tensor3d(patchify(pixels, n, config), [n, g * g, width]);
  const kernel = tf.reshape(w.projection, [h, width]) as tf.Tensor2D;
  const projected = linear(patches, [{ weight: kernel, bias: w.projectionBias }], true) as tf.Tensor3D;
  const cls = tf.tile(w.clsToken, [n, 1, 1]);
  return dropout(tf.add(tf.concat([cls, projected], 1), w.positions), config.hiddenDropout, ctx) as tf.Tensor3D;
}
