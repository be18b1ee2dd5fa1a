// The feature cache's public types: its options, what it gives back per entry, its statistics.
import type { PatchGrid } from '../types.js';

/** Storage precision of cached features. */
export type CacheDtype = 'float32' | 'float16';

/**
 * What is stored per input: `'tokens'` keeps text token features (unpadded) and image patches
 * (optionally pooled to `patchGrid`) as well as the pooled vectors; `'pooled'` keeps only the
 * pooled vectors (smallest).
 */
export type CacheStore = 'tokens' | 'pooled';

/** Options of {@link FeatureCache}. They are part of each encoder folder's name: a cache opened with other options uses other folders. */
export interface FeatureCacheOptions {
  /**
   * Storage precision; float16 halves the size (relative error ≤ 2⁻¹¹, see {@link float32ToFloat16}).
   * @defaultValue `'float32'`
   */
  dtype?: CacheDtype;
  /**
   * `'tokens'` or `'pooled'` (see {@link CacheStore}).
   * @defaultValue `'tokens'`
   */
  store?: CacheStore;
  /**
   * Average-pool image patches on their grid to this size before storing (e.g. `7` turns
   * ViT-B/16's 14 × 14 into 7 × 7, 4× smaller; CLS tokens are kept). Needs an encoder with a
   * grid. Ignored with `store: 'pooled'`.
   * @defaultValue none (patches stored as the encoder gives them)
   */
  patchGrid?: number | { rows: number; cols: number };
  /**
   * Buffered features are written as a shard once they reach this many bytes (and at
   * {@link FeatureCache.flush}); bounds the memory used while writing.
   * @defaultValue 67108864 (64 MiB)
   */
  shardBytes?: number;
  /**
   * Shard files kept open for positional reads (least recently used ones are closed).
   * @defaultValue 8
   */
  maxOpenShards?: number;
  /**
   * How long a writer waits for another live process's lock on the same encoder folder before
   * `CACHE_LOCKED`.
   * @defaultValue 10000
   */
  lockTimeoutMs?: number;
  /**
   * Called with a message when a corrupt or truncated shard is found and dropped (its entries
   * become misses and are recomputed by the next {@link extractFeatures}).
   * @defaultValue `console.warn`
   */
  onWarning?: (message: string) => void;
}

/** What the cache needs to know of an encoder: `TextFeatureEncoder` and `ImageFeatureEncoder` are ones. */
export interface EncoderDescriptor {
  /** The encoder's stable id. */
  readonly id: string;
  /** Text or image. */
  readonly kind: 'text' | 'image';
  /** Feature size. */
  readonly dim: number;
  /** Image encoders: the patch grid, if any. */
  readonly grid?: PatchGrid | null;
}

/** One cached text. */
export interface CachedTextEntry {
  /** Always `'text'`. */
  kind: 'text';
  /** `[dim]`. */
  pooled: Float32Array;
  /**
   * `[length, dim]` (real tokens only; only token 0 when read with `sequence: 'first'`), or
   * `null` with `store: 'pooled'` or `sequence: 'none'`.
   */
  tokens: Float32Array | null;
  /** Number of tokens in `tokens` (at most 1 with `sequence: 'first'`; 0 when `tokens` is `null`). */
  length: number;
  /**
   * Number of tokens stored for this text, whatever `sequence` returned (0 with `store:
   * 'pooled'`): a text's length without reading its tokens, e.g. to group batches by length.
   */
  storedLength: number;
}

/** One cached image. */
export interface CachedImageEntry {
  /** Always `'image'`. */
  kind: 'image';
  /** `[dim]`. */
  pooled: Float32Array;
  /**
   * `[count, dim]` (only patch 0 when read with `sequence: 'first'`), or `null` with
   * `store: 'pooled'` or `sequence: 'none'`.
   */
  patches: Float32Array | null;
  /** Number of patches in `patches` (1 with `sequence: 'first'`; 0 when `patches` is `null`). */
  count: number;
  /** The stored grid (after `patchGrid` pooling), or `null` (also when not every patch was read). */
  grid: PatchGrid | null;
}

/** A cached entry of either kind. */
export type CachedEntry = CachedTextEntry | CachedImageEntry;

/** Per-encoder part of {@link CacheStats}. */
export interface EncoderCacheStats {
  /** Folder of this encoder's shards. */
  folder: string;
  /** Text or image. */
  kind: 'text' | 'image';
  /** Distinct inputs stored. */
  entries: number;
  /** Bytes on disk (shards, indexes, encoder.json). */
  bytes: number;
  /** Shard files. */
  shards: number;
  /** Storage precision. */
  dtype: CacheDtype;
  /** What is stored. */
  store: CacheStore;
}

/** What {@link FeatureCache.stats} reports. */
export interface CacheStats {
  /** The cache's root folder. */
  root: string;
  /** Entries over all encoders. */
  entries: number;
  /** Bytes over all encoders. */
  bytes: number;
  /** By encoder id (one id may appear in several folders when opened with other options; their figures are summed). */
  byEncoder: Record<string, EncoderCacheStats>;
  /** One line for people, e.g. `"feature cache /data/cache: 2 encoders, 3000 entries, 12.3 MiB"`. */
  summary: string;
}

/** Result of {@link FeatureCache.verify}. */
export interface VerifyReport {
  /** Shards whose checksums matched. */
  ok: number;
  /** Shards found corrupt or truncated and removed. */
  removed: string[];
}

/**
 * How much of each entry's token (text) or patch (image) sequence a read returns:
 *
 * - `'all'`: every stored token / patch (a batch is padded to its longest text);
 * - `'first'`: only position 0 (the `<s>`/CLS token, an image's first patch — ViT's CLS), as a
 *   sequence of length 1; only that row's bytes are read from disk;
 * - `'none'`: no sequence, only the pooled vectors are read.
 *
 * The pooled vectors are always returned. With `store: 'pooled'` there is no sequence and the
 * option changes nothing.
 */
export type CacheSequence = 'all' | 'first' | 'none';

/** Options of {@link FeatureCache.get} and {@link FeatureCache.read}. */
export interface CacheReadOptions {
  /**
   * How much of each entry's token / patch sequence to return (see {@link CacheSequence}).
   * @defaultValue `'all'`
   */
  sequence?: CacheSequence;
}
