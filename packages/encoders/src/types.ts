import type { DecodedImage } from '@mmaux/datasets';

/** What an image encoder accepts: a file path, the encoded bytes, or decoded RGB pixels. */
export type ImageInput = string | Uint8Array | DecodedImage;

/**
 * Token features of N texts, padded to the longest (`length`, at most the encoder's
 * `maxLength`).
 */
export interface TextFeatures {
  /** `[n, length, dim]` float32, row-major; padded positions are 0. */
  tokens: Float32Array;
  /** `[n, length]`: 1 for a real token, 0 for padding. */
  mask: Uint8Array;
  /** `[n, dim]` one vector per text (see each encoder's `pooling`). */
  pooled: Float32Array;
  /** The sizes. */
  shape: { n: number; length: number; dim: number };
}

/**
 * Where the patch features of an image sit on the image: `prefixTokens` leading tokens that are
 * not on the grid (ViT's CLS, DeiT's CLS + distillation token), then `rows × cols` grid cells
 * in row-major order.
 */
export interface PatchGrid {
  /** Grid rows. */
  rows: number;
  /** Grid columns. */
  cols: number;
  /** Tokens before the grid (0 for ResNet and the built-in encoder, 1 for ViT). */
  prefixTokens: number;
}

/** Patch (or spatial-grid) features of N images. */
export interface ImageFeatures {
  /** `[n, patches, dim]` float32, row-major. */
  patches: Float32Array;
  /** `[n, dim]` one vector per image (CLS, or the mean over the grid). */
  pooled: Float32Array;
  /** The sizes. */
  shape: { n: number; patches: number; dim: number };
  /** How `patches` map onto the image, or `null` when the model's tokens are not a grid. */
  grid: PatchGrid | null;
}

/** Pooled vectors only (what a feature cache built with `store: 'pooled'` gives back). */
export interface PooledFeatures {
  /** `[n, dim]` float32. */
  pooled: Float32Array;
  /** The sizes. */
  shape: { n: number; dim: number };
}

/** Common to every encoder. */
export interface EncoderInfo {
  /**
   * Stable identity of the encoder's output: it changes whenever the features would (model
   * files, revision, dtype / quantisation, preprocessing, max length, pooling, version of the
   * built-in algorithm). The feature cache is keyed by it.
   */
  readonly id: string;
  /** Feature size D of tokens, patches and pooled vectors. */
  readonly dim: number;
  /** The spec the encoder was created from. */
  readonly spec: string;
  /** Where a transformers.js encoder runs (ONNX Runtime execution provider); absent for built-in encoders. */
  readonly device?: 'cpu' | 'cuda';
  /** Frees the ONNX Runtime session (no-op for built-in encoders). */
  dispose(): Promise<void>;
}

/** Turns texts into token features and a pooled vector. */
export interface TextFeatureEncoder extends EncoderInfo {
  /** Always `'text'`. */
  readonly kind: 'text';
  /** Texts are cut to this many tokens (special tokens included). */
  readonly maxLength: number;
  /**
   * Encodes texts, `batchSize` at a time internally; the result does not depend on the batch
   * size.
   */
  encode(texts: readonly string[]): Promise<TextFeatures>;
}

/** Turns images into patch features and a pooled vector. */
export interface ImageFeatureEncoder extends EncoderInfo {
  /** Always `'image'`. */
  readonly kind: 'image';
  /** Patches per image. */
  readonly patches: number;
  /** Where the patches sit (see {@link PatchGrid}), or `null`. */
  readonly grid: PatchGrid | null;
  /**
   * The largest image (width × height) the encoder decodes; {@link extractFeatures}, which
   * decodes images before handing them over, applies the same limit. Optional for encoders
   * written elsewhere (the pipeline's default, 178956970, applies then).
   */
  readonly limitInputPixels?: number;
  /**
   * Encodes images (paths, encoded bytes or decoded pixels), `batchSize` at a time internally;
   * the result does not depend on the batch size.
   */
  encode(images: readonly ImageInput[]): Promise<ImageFeatures>;
}

/** Either kind of encoder. */
export type FeatureEncoder = TextFeatureEncoder | ImageFeatureEncoder;
