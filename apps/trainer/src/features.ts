// Features of a run's posts: encoders run once over every post into the on-disk cache (resumable,
// with progress), then batches are read back from the cache as tensors, epoch after epoch.
import type { Post } from '@mmaux/datasets';
import {
  createImageEncoder,
  createTextEncoder,
  type ExtractBadImage,
  extractFeatures,
  FeatureCache,
  type ImageFeatureEncoder,
  type ImageFeatures,
  type TextFeatureEncoder,
  type TextFeatures,
  type TfjsImageEncoderOptions,
} from '@mmaux/encoders';
import type { FusionInput, InputReads, TextLayersFusionInput } from '@mmaux/fusion';
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import { finetunedImageLayers, finetunedTextLayers, imageRangeOf, type RunConfig } from './config.js';
import { badImagePolicy } from './data.js';
import { MmauxTrainerError } from './errors.js';
import type { Log } from './progress.js';
import { strictImageError } from './skips.js';
import { createLowerImageLayersEncoder } from './image-layer-features.js';
import { createLowerLayersEncoder } from './text-layer-features.js';

/** What a model reads of its inputs (`FusionModel.reads`). */
export type { InputReads };

/** Every token and patch: what a batch holds when no `reads` are given. */
export const READ_ALL: InputReads = { textTokens: 'all', imagePatches: 'all' };

/** What encoding needs of a post. */
export type EncodablePost = Pick<Post, 'id' | 'text' | 'imagePath'>;

/** The encoders, the cache and each post's cache keys. */
export interface FeatureSource {
  readonly textEncoder: TextFeatureEncoder;
  readonly imageEncoder: ImageFeatureEncoder;
  readonly textDim: number;
  readonly imageDim: number;
  /** Seconds `extract` spent (reading what was cached included). */
  readonly extractionSeconds: number;
  /** Posts whose features were computed now (0 when all came from the cache). */
  readonly computed: number;
  /** Posts whose image could not be used (`--on-bad-image`): skipped ones have no features, so callers drop them. */
  readonly badImages: readonly ExtractBadImage[];
  /**
   * The features of `posts` (which must have been extracted) as tensors; the caller disposes
   * them. `reads` (a model's `reads`) says what to build: text tokens padded to the batch's
   * longest text (`'all'`, the default), or `[N, 1, D]` tokens with a `[N, 1]` mask — token 0
   * (`'first'`) or a zero placeholder (`'none'`, the model reads `pooled` only); the same for the
   * image patches (`[N, P, D]`, or `[N, 1, D]`). Only what is built is read from the cache.
   */
  batch(posts: readonly EncodablePost[], reads?: InputReads): Promise<FusionInput | TextLayersFusionInput>;
  /** Each post's text length in tokens, from the cache's index (no token is read). */
  textLengths(posts: readonly EncodablePost[]): Promise<number[]>;
  /** Closes the cache and the encoders. */
  close(): Promise<void>;
}

/** The grid the transformer kinds pool ViT-size patch grids to by default: 49 tokens instead of 196. */
export const TRANSFORMER_PATCH_GRID = 7;

/**
 * The patch grid a run stores: `--patch-grid`, or for `single-stream`/`dual-stream` 7 × 7 when
 * the image encoder's grid is larger (every image token is a token of their sequence, and a
 * step's cost grows with the square of its length), else the encoder's own.
 */
export function effectivePatchGrid(config: Pick<RunConfig, 'patchGrid' | 'model'> & Partial<Pick<RunConfig, 'finetuneImageLayers'>>, grid: { rows: number; cols: number } | null): number | null {
  if (config.patchGrid !== null) return config.patchGrid;
  // Trained image layers attend over every patch the ViT has.
  if (finetunedImageLayers(config) > 0) return null;
  const transformer = config.model === 'single-stream' || config.model === 'dual-stream';
  return transformer && grid !== null && Math.min(grid.rows, grid.cols) > TRANSFORMER_PATCH_GRID ? TRANSFORMER_PATCH_GRID : null;
}

/** The cache settings of a run (a folder per encoder id and settings inside `cacheDir`). */
export function openCache(config: Pick<RunConfig, 'cacheDir' | 'cacheDtype' | 'patchGrid'>, log: Log): FeatureCache {
  return new FeatureCache(resolve(config.cacheDir), {
    dtype: config.cacheDtype,
    store: 'tokens',
    ...(config.patchGrid === null ? {} : { patchGrid: config.patchGrid }),
    onWarning: (message) => log.warn(message),
  });
}

type ImageOptionKey = 'imagePreset' | 'imageSize' | 'imageRange' | 'imageResize';

/** The `--image-preset/-size/-range/-resize` settings as a `tfjs:` image encoder's options (a run saved before them has none). */
export function imageEncoderOptions(config: Partial<Pick<RunConfig, ImageOptionKey>>): TfjsImageEncoderOptions {
  return {
    ...(config.imagePreset ? { preset: config.imagePreset } : {}),
    ...(config.imageSize ? { size: config.imageSize } : {}),
    ...(config.imageRange ? { range: imageRangeOf(config.imageRange) } : {}),
    ...(config.imageResize ? { resize: config.imageResize } : {}),
  };
}

/**
 * Creates the run's two encoders. With `--finetune-text-layers k` (k ≥ 1) the text encoder is the
 * frozen part below layer L − k (its hidden states are what the cache holds, under an id that
 * names the layer); the top k layers belong to the model.
 */
export async function createEncoders(config: Pick<RunConfig, 'textEncoder' | 'imageEncoder' | 'maxLength'> & Partial<Pick<RunConfig, 'finetuneTextLayers' | 'finetuneImageLayers' | ImageOptionKey>>): Promise<{ text: TextFeatureEncoder; image: ImageFeatureEncoder }> {
  const text = finetunedTextLayers(config) === 0 ? await createTextEncoder(config.textEncoder, { maxLength: config.maxLength }) : await createLowerLayersEncoder({ ...config, finetuneTextLayers: config.finetuneTextLayers! });
  // --finetune-image-layers k: the frozen layers below L − k, as for the text.
  const image = finetunedImageLayers(config) === 0 ? await createImageEncoder(config.imageEncoder, imageEncoderOptions(config)) : await createLowerImageLayersEncoder({ ...config, finetuneImageLayers: finetunedImageLayers(config) });
  return { text, image };
}

/**
 * Runs the encoders over `posts` into the cache (what is cached already is skipped; an
 * interrupted extraction continues where it stopped) and returns a reader of batches. An image
 * that cannot be used follows `onBadImage` (skipped posts are in `badImages` and have no
 * features); `strict` stops at the first one.
 */
export async function prepareFeatures(config: RunConfig, posts: readonly EncodablePost[], log: Log, signal?: AbortSignal): Promise<FeatureSource> {
  const encoders = await createEncoders(config);
  const patchGrid = effectivePatchGrid(config, encoders.image.grid);
  if (patchGrid !== config.patchGrid) log.info(`patch grid ${patchGrid}×${patchGrid} for ${config.model} (its default; --patch-grid sets another, up to the encoder's ${encoders.image.grid!.rows}×${encoders.image.grid!.cols})`);
  const cache = openCache({ ...config, patchGrid }, log);
  const keyOf = new Map<string, { text: string; image: string | null }>();
  let summary;
  const bar = log.bar('extract features', posts.length);
  try {
    summary = await extractFeatures(
      posts.map((p) => ({ id: p.id, text: p.text, imagePath: p.imagePath })),
      { text: encoders.text, image: encoders.image },
      cache,
      {
        ...(signal ? { signal } : {}),
        onBadImage: badImagePolicy(config),
        onProgress: (p) => (p.phase === 'done' ? bar.done(p.message) : bar.update(p.done, `cached ${p.cached}, computed ${p.computed}`)),
      },
    );
  } catch (err) {
    await cache.close();
    await Promise.all([encoders.text.dispose(), encoders.image.dispose()]);
    throw strictImageError(err);
  }
  posts.forEach((p, i) => keyOf.set(p.id, { text: summary.keys.text![i]!, image: summary.keys.image![i] ?? null }));
  const keysFor = (batch: readonly EncodablePost[], which: 'text' | 'image'): string[] =>
    batch.map((p) => {
      const key = keyOf.get(p.id)?.[which];
      if (key === undefined || key === null) throw new MmauxTrainerError('TRAINING_FAILED', `features of post ${p.id} were not extracted${key === null ? ' (its image was skipped)' : ''}; drop it before reading batches.`);
      return key;
    });
  return {
    textEncoder: encoders.text,
    imageEncoder: encoders.image,
    textDim: encoders.text.dim,
    imageDim: encoders.image.dim,
    extractionSeconds: summary.elapsedSeconds,
    computed: (summary.text?.computed ?? 0) + (summary.image?.computed ?? 0),
    badImages: summary.badImages,
    batch: async (batch, reads = READ_ALL) => {
      // 'first' / 'none' read one row (or only the pooled vector) per post from the cache: [N, 1, D].
      const text = (await cache.read(encoders.text, keysFor(batch, 'text'), { sequence: reads.textTokens })) as TextFeatures;
      const image = (await cache.read(encoders.image, keysFor(batch, 'image'), { sequence: reads.imagePatches })) as ImageFeatures;
      return toTensors(text, image, { tokenIds: 'tokenIds' in encoders.text });
    },
    textLengths: async (batch) => {
      const entries = await cache.get(encoders.text, keysFor(batch, 'text'), { sequence: 'none' });
      return entries.map((e) => (e?.kind === 'text' ? e.storedLength : 0));
    },
    close: async () => {
      await cache.close();
      await Promise.all([encoders.text.dispose(), encoders.image.dispose()]);
    },
  };
}

/**
 * Encoder output (plain arrays) as the tensors a fusion model reads; with `tokenIds` (the cache of
 * a `--finetune-text-layers all` run) the text is `{ inputIds, mask }` for the model's embeddings.
 */
export function toTensors(text: TextFeatures, image: ImageFeatures, options: { tokenIds?: boolean } = {}): FusionInput | TextLayersFusionInput {
  const { n, length, dim } = text.shape;
  const { patches, dim: imageDim } = image.shape;
  const mask = tf.tensor2d(Float32Array.from(text.mask), [n, length]);
  return {
    text: options.tokenIds
      ? { inputIds: tf.tensor2d(Int32Array.from(text.tokens), [n, length], 'int32'), mask }
      : { tokens: tf.tensor3d(text.tokens, [n, length, dim]), mask, pooled: tf.tensor2d(text.pooled, [n, dim]) },
    image: {
      patches: tf.tensor3d(image.patches, [n, patches, imageDim]),
      pooled: tf.tensor2d(image.pooled, [n, imageDim]),
    },
  };
}

/** Frees a batch's tensors. */
export function disposeInput(input: FusionInput | TextLayersFusionInput): void {
  const text = input.text as Partial<Record<'tokens' | 'hidden' | 'inputIds' | 'tokenTypeIds' | 'mask' | 'pooled', tf.Tensor>> | undefined;
  tf.dispose([text?.tokens, text?.hidden, text?.inputIds, text?.tokenTypeIds, text?.mask, text?.pooled, input.image?.patches, input.image?.pooled].filter((t) => t !== undefined) as tf.Tensor[]);
}
