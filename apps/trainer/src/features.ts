// Features of a run's posts: encoders run once over every post into the on-disk cache (resumable,
// with progress), then batches are read back from the cache as tensors, epoch after epoch.
import type { Post } from '@mmaux/datasets';
import {
  createImageEncoder,
  createTextEncoder,
  extractFeatures,
  FeatureCache,
  type ImageFeatureEncoder,
  type ImageFeatures,
  type TextFeatureEncoder,
  type TextFeatures,
} from '@mmaux/encoders';
import type { FusionInput } from '@mmaux/fusion';
import * as tf from '@tensorflow/tfjs';
import { resolve } from 'node:path';
import type { RunConfig } from './config.js';
import type { Log } from './progress.js';

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
  /** The features of `posts` (which must have been extracted) as tensors; the caller disposes them. */
  batch(posts: readonly EncodablePost[]): Promise<FusionInput>;
  /** Closes the cache and the encoders. */
  close(): Promise<void>;
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

/** Creates the run's two encoders. */
export async function createEncoders(config: Pick<RunConfig, 'textEncoder' | 'imageEncoder' | 'maxLength'>): Promise<{ text: TextFeatureEncoder; image: ImageFeatureEncoder }> {
  const text = await createTextEncoder(config.textEncoder, { maxLength: config.maxLength });
  const image = await createImageEncoder(config.imageEncoder);
  return { text, image };
}

/**
 * Runs the encoders over `posts` into the cache (what is cached already is skipped; an
 * interrupted extraction continues where it stopped) and returns a reader of batches.
 */
export async function prepareFeatures(config: RunConfig, posts: readonly EncodablePost[], log: Log, signal?: AbortSignal): Promise<FeatureSource> {
  const encoders = await createEncoders(config);
  const cache = openCache(config, log);
  const keyOf = new Map<string, { text: string; image: string }>();
  let summary;
  const bar = log.bar('extract features', posts.length);
  try {
    summary = await extractFeatures(
      posts.map((p) => ({ id: p.id, text: p.text, imagePath: p.imagePath })),
      { text: encoders.text, image: encoders.image },
      cache,
      {
        ...(signal ? { signal } : {}),
        onProgress: (p) => (p.phase === 'done' ? bar.done(p.message) : bar.update(p.done, `cached ${p.cached}, computed ${p.computed}`)),
      },
    );
  } catch (err) {
    await cache.close();
    await Promise.all([encoders.text.dispose(), encoders.image.dispose()]);
    throw err;
  }
  posts.forEach((p, i) => keyOf.set(p.id, { text: summary.keys.text![i]!, image: summary.keys.image![i]! }));
  const keysFor = (batch: readonly EncodablePost[], which: 'text' | 'image'): string[] => batch.map((p) => keyOf.get(p.id)![which]);
  return {
    textEncoder: encoders.text,
    imageEncoder: encoders.image,
    textDim: encoders.text.dim,
    imageDim: encoders.image.dim,
    extractionSeconds: summary.elapsedSeconds,
    computed: (summary.text?.computed ?? 0) + (summary.image?.computed ?? 0),
    batch: async (batch) => {
      const text = (await cache.read(encoders.text, keysFor(batch, 'text'))) as TextFeatures;
      const image = (await cache.read(encoders.image, keysFor(batch, 'image'))) as ImageFeatures;
      return toTensors(text, image);
    },
    close: async () => {
      await cache.close();
      await Promise.all([encoders.text.dispose(), encoders.image.dispose()]);
    },
  };
}

/** Encoder output (plain arrays) as the tensors a fusion model reads. */
export function toTensors(text: TextFeatures, image: ImageFeatures): FusionInput {
  const { n, length, dim } = text.shape;
  const { patches, dim: imageDim } = image.shape;
  return {
    text: {
      tokens: tf.tensor3d(text.tokens, [n, length, dim]),
      mask: tf.tensor2d(Float32Array.from(text.mask), [n, length]),
      pooled: tf.tensor2d(text.pooled, [n, dim]),
    },
    image: {
      patches: tf.tensor3d(image.patches, [n, patches, imageDim]),
      pooled: tf.tensor2d(image.pooled, [n, imageDim]),
    },
  };
}

/** Frees a batch's tensors. */
export function disposeInput(input: FusionInput): void {
  tf.dispose([input.text?.tokens, input.text?.mask, input.text?.pooled, input.image?.patches, input.image?.pooled].filter((t) => t !== undefined) as tf.Tensor[]);
}
