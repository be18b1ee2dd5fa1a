import type * as tf from '@tensorflow/tfjs';
import type { FusionConfig } from './config.js';
import { MmauxFusionError } from './errors.js';
import type { TextLayersInput } from './text-layers/text-encoder-layers.js';

/**
 * Text features of N posts from a (frozen) text encoder: the last hidden state, its padding
 * mask and a pooled vector.
 */
export interface TextFeatures {
  /** `[N, L, textDim]` token features (position 0 is the encoder's `<s>`/CLS). */
  tokens: tf.Tensor3D;
  /** `[N, L]`, 1 for a real token, 0 for padding; position 0 must be real. */
  mask: tf.Tensor2D;
  /** `[N, textDim]` pooled text vector (the encoder's pooler output). */
  pooled: tf.Tensor2D;
}

/** Image features of N posts from a (frozen) image encoder: patch/region/grid features and a pooled vector. */
export interface ImageFeatures {
  /** `[N, P, imageDim]` patch features (ViT: CLS + 196 patches; a CNN: its 7×7 grid as 49 tokens). */
  patches: tf.Tensor3D;
  /** `[N, imageDim]` pooled image vector. */
  pooled: tf.Tensor2D;
}

/** What a fusion model reads. Unimodal kinds need only their modality. */
export interface FusionInput {
  text?: TextFeatures;
  image?: ImageFeatures;
}

/**
 * What a model that owns text encoder layers (`textLayers`) reads as its text: the hidden state
 * entering layer `L − k` as `{ hidden, mask }`, or as `TextFeatures` whose `tokens` are that
 * state (what a feature cache of the encoder's layer `L − k` holds; `pooled` is not read), or
 * token ids `{ inputIds, mask, tokenTypeIds? }` for `trainableLayers: 'all'`.
 */
export interface TextLayersFusionInput {
  text?: TextLayersInput | TextFeatures;
  image?: ImageFeatures;
}

/**
 * What a model that owns encoder layers reads: the text as {@link TextLayersFusionInput} says
 * (or frozen `TextFeatures` without text layers); with image layers (`imageLayers`) the image as
 * the hidden state entering layer `L − k`, `{ hidden }`, or as `ImageFeatures` whose `patches`
 * are that state (what a feature cache of the ViT's layer `L − k` holds; `pooled` is not read).
 */
export interface EncoderLayersFusionInput {
  text?: TextLayersInput | TextFeatures;
  image?: { hidden: tf.Tensor3D } | ImageFeatures;
}

/** The validated facts about a batch that the layers need, read once. */
export interface CheckedBatch {
  n: number;
  /** `[N·L]` mask as 0/1 (row-major), when text is present. */
  mask?: Float32Array;
  textLength?: number;
  /** Per post, the index of its last real token. */
  lastReal?: Int32Array;
  imageTokens?: number;
  /**
   * Which image row each text row pairs with in `FusionCore.fuse` (the ITM pass pairs only the
   * swapped texts anew); absent: text row r with image row r mod N.
   */
  imageOrder?: Int32Array;
}

function isTensor(x: unknown): x is tf.Tensor {
  return x !== null && typeof x === 'object' && 'shape' in x && 'dtype' in x && 'dataId' in x;
}

function shapeOf(x: unknown): string {
  return isTensor(x) ? `[${x.shape.join(', ')}]` : x === undefined ? 'missing' : typeof x;
}

function expectShape(fn: string, name: string, x: unknown, expected: Array<number | string>): tf.Tensor {
  const ok =
    isTensor(x) &&
    x.rank === expected.length &&
    expected.every((e, i) => typeof e === 'string' || x.shape[i] === e);
  if (!ok) {
    throw new MmauxFusionError(
      'INVALID_SHAPE',
      `${fn}: ${name} must have shape [${expected.join(', ')}], got ${shapeOf(x)}.`,
    );
  }
  if (x.isDisposed) throw new MmauxFusionError('DISPOSED', `${fn}: ${name} has been disposed.`);
  return x;
}

/** Validates the text part and reads its mask (one small read-back). */
export function checkText(fn: string, config: FusionConfig, text: TextFeatures, label = 'text'): CheckedBatch {
  if (text === null || typeof text !== 'object') {
    throw new MmauxFusionError('MISSING_INPUT', `${fn}: ${label} must be { tokens, mask, pooled }, got ${String(text)}.`);
  }
  const tokens = expectShape(fn, `${label}.tokens`, text.tokens, ['N', 'L', config.textDim]);
  const [n, l] = tokens.shape as [number, number, number];
  if (n < 1 || l < 1) throw new MmauxFusionError('INVALID_SHAPE', `${fn}: ${label}.tokens is empty ([${tokens.shape.join(', ')}]).`);
  expectShape(fn, `${label}.mask`, text.mask, [n, l]);
  expectShape(fn, `${label}.pooled`, text.pooled, [n, config.textDim]);
  if ((config.kind === 'single-stream' || config.kind === 'dual-stream') && l > config.maxTextLength) {
    throw new MmauxFusionError(
      'INVALID_SHAPE',
      `${fn}: ${label} has ${l} tokens but the model's position table covers maxTextLength = ${config.maxTextLength}; truncate the text or create the model with a larger maxTextLength.`,
    );
  }
  const values = text.mask.dataSync();
  const mask = new Float32Array(n * l);
  const lastReal = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < l; j++) {
      const v = values[i * l + j] as number;
      if (v !== 0 && v !== 1) {
        throw new MmauxFusionError('INVALID_INPUT', `${fn}: ${label}.mask[${i}][${j}] = ${v}; a mask holds 1 (real token) or 0 (padding).`);
      }
      mask[i * l + j] = v;
      if (v === 1) lastReal[i] = j;
    }
    if (mask[i * l] !== 1) {
      throw new MmauxFusionError(
        'INVALID_INPUT',
        `${fn}: ${label}.mask[${i}][0] is 0; position 0 (the encoder's <s>/CLS token) must be a real token. Pad on the right.`,
      );
    }
  }
  return { n, mask, textLength: l, lastReal };
}

/** Validates the image part. */
export function checkImage(fn: string, config: FusionConfig, image: ImageFeatures, label = 'image'): CheckedBatch {
  if (image === null || typeof image !== 'object') {
    throw new MmauxFusionError('MISSING_INPUT', `${fn}: ${label} must be { patches, pooled }, got ${String(image)}.`);
  }
  const patches = expectShape(fn, `${label}.patches`, image.patches, ['N', 'P', config.imageDim]);
  const [n, p] = patches.shape as [number, number, number];
  if (n < 1 || p < 1) throw new MmauxFusionError('INVALID_SHAPE', `${fn}: ${label}.patches is empty ([${patches.shape.join(', ')}]).`);
  expectShape(fn, `${label}.pooled`, image.pooled, [n, config.imageDim]);
  if ((config.kind === 'single-stream' || config.kind === 'dual-stream') && p > config.maxImageTokens) {
    throw new MmauxFusionError(
      'INVALID_SHAPE',
      `${fn}: ${label} has ${p} patches but the model's position table covers maxImageTokens = ${config.maxImageTokens}; create the model with a larger maxImageTokens.`,
    );
  }
  return { n, imageTokens: p };
}

/** Validates an input for a model of `config.kind`: the modalities it needs, one batch size. */
export function checkInput(fn: string, config: FusionConfig, input: FusionInput): CheckedBatch {
  if (input === null || typeof input !== 'object') {
    throw new MmauxFusionError('MISSING_INPUT', `${fn}: input must be { text, image }, got ${String(input)}.`);
  }
  const needText = config.kind !== 'image-only';
  const needImage = config.kind !== 'text-only';
  if (needText && input.text === undefined) {
    throw new MmauxFusionError('MISSING_INPUT', `${fn}: a '${config.kind}' model needs input.text = { tokens, mask, pooled }.`);
  }
  if (needImage && input.image === undefined) {
    throw new MmauxFusionError('MISSING_INPUT', `${fn}: a '${config.kind}' model needs input.image = { patches, pooled }.`);
  }
  const t = needText ? checkText(fn, config, input.text as TextFeatures) : undefined;
  const v = needImage ? checkImage(fn, config, input.image as ImageFeatures) : undefined;
  if (t !== undefined && v !== undefined && t.n !== v.n) {
    throw new MmauxFusionError('INVALID_SHAPE', `${fn}: text has ${t.n} posts but image has ${v.n}; both must describe the same N posts.`);
  }
  return { ...t, ...v, n: (t ?? v)!.n } as CheckedBatch;
}
