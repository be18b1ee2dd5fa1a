// The public FeatureCache: options, one queue of operations per instance, and the stages it
// strings together (indexes.ts, write-buffer.ts, shard-writer.ts, shard-pool.ts, read-entries.ts,
// assemble.ts, stats.ts).
import { resolve } from 'node:path';
import { MmauxEncoderError } from '../errors.js';
import type { ImageFeatures, PooledFeatures, TextFeatures } from '../types.js';
import { describe, oneOf, positiveInt } from '../validate.js';
import { assemble } from './assemble.js';
import { ensureLoaded, listFolders, scanFolder } from './indexes.js';
import { emptyFolder, encoderFolder, type Folder, type Layout, type ShardRecord } from './layout.js';
import { readEntries } from './read-entries.js';
import { ShardPool } from './shard-pool.js';
import { writeShard } from './shard-writer.js';
import { cacheStats } from './stats.js';
import type {
  CacheDtype,
  CachedEntry,
  CacheReadOptions,
  CacheSequence,
  CacheStats,
  CacheStore,
  EncoderDescriptor,
  FeatureCacheOptions,
  VerifyReport,
} from './types.js';
import { bufferRows, newMeta, pendingEntry, splitRows } from './write-buffer.js';

/** The `sequence` of read options, checked. */
function sequenceOf(fn: string, options: unknown): CacheSequence {
  if (options === undefined) return 'all';
  if (options === null || typeof options !== 'object') {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: options must be an object like { sequence: 'first' }, got ${describe(options)}.`);
  }
  return oneOf(fn, 'sequence', (options as CacheReadOptions).sequence, ['all', 'first', 'none'] as const, 'all');
}

/**
 * The on-disk feature cache: features are computed once per (encoder id, input content) and
 * read back from safetensors shards.
 *
 * Layout: `<root>/<sanitised encoder id>-<hash of id and storage options>/` holds
 * `encoder.json`, shards `shard-00000.safetensors` (tensors `keys` U8 `[rows, 32]`, `pooled`
 * `[rows, dim]`, and with `store: 'tokens'` text `tokens` `[total tokens, dim]` unpadded plus
 * `token_offsets` I64 `[rows + 1]`, or image `patches` `[rows, patches, dim]`; `__metadata__`
 * with the encoder id, dtype and the sha256 of the data section) and, per shard, an index
 * `shard-00000.index.json` (input keys in row order, file size, header and data checksums).
 *
 * - Keys are sha256 hashes of the input ({@link textKey}, {@link imageKey}), so a changed text
 *   or image file, or a changed encoder id, is a miss, never stale features.
 * - Writes are atomic: shard to a temporary name, fsync, rename, then its index the same way;
 *   a shard without index is an unfinished write and is ignored (and removed by the next
 *   writer). One writer per encoder folder at a time (a lock file; a dead holder's lock is
 *   taken over).
 * - Reads are positional (`FileHandle.read`), a few shards open at a time; each shard's size,
 *   header and data checksum are verified the first time this instance opens it. A corrupt or
 *   truncated shard is removed with a warning and its entries become misses. After that, a
 *   read takes only the bytes it returns: with `sequence: 'first'` one row per entry, with
 *   `'none'` the pooled vectors alone.
 *
 * @example
 * ```ts
 * const dir = await mkdtemp(join(tmpdir(), 'cache-'));
 * const enc = createTextHashEncoder({ dim: 8 });
 * const cache = new FeatureCache(dir, { dtype: 'float16' });
 * const texts = ['hello world', 'good morning'];
 * const keys = texts.map(textKey);
 * await cache.put(enc, keys, await enc.encode(texts));
 * await cache.flush();
 * (await cache.has(enc, [keys[0]!, textKey('other')])); // [true, false]
 * const back = await cache.read(enc, keys);
 * 'tokens' in back && back.shape; // {"n": 2, "length": 3, "dim": 8}
 * (await cache.stats()).entries; // 2
 * await cache.close();
 * ```
 */
export class FeatureCache {
  /** Absolute root folder. */
  readonly root: string;
  /** Storage precision. */
  readonly dtype: CacheDtype;
  /** What is stored. */
  readonly store: CacheStore;
  /** Target grid for image patches, if any. */
  readonly patchGrid: { rows: number; cols: number } | null;
  private readonly shardBytes: number;
  private readonly lockTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private readonly folders = new Map<string, Folder>();
  private readonly shards: ShardPool;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * @param root - the cache folder (created on first write)
   * @param options - see {@link FeatureCacheOptions}
   * @throws MmauxEncoderError `INVALID_OPTION`
   */
  constructor(root: string, options: FeatureCacheOptions = {}) {
    const fn = 'FeatureCache';
    if (typeof root !== 'string' || root.length === 0) {
      throw new MmauxEncoderError('INVALID_OPTION', `${fn}: root must be a folder path, got ${describe(root)}.`);
    }
    this.root = resolve(root);
    this.dtype = oneOf(fn, 'dtype', options.dtype, ['float32', 'float16'] as const, 'float32');
    this.store = oneOf(fn, 'store', options.store, ['tokens', 'pooled'] as const, 'tokens');
    const g = options.patchGrid;
    if (g === undefined || this.store === 'pooled') this.patchGrid = null;
    else if (typeof g === 'number') this.patchGrid = { rows: positiveInt(fn, 'patchGrid', g, 1, 4096), cols: g };
    else if (g !== null && typeof g === 'object') {
      this.patchGrid = { rows: positiveInt(fn, 'patchGrid.rows', g.rows, 1, 4096), cols: positiveInt(fn, 'patchGrid.cols', g.cols, 1, 4096) };
    } else throw new MmauxEncoderError('INVALID_OPTION', `${fn}: patchGrid must be a number or { rows, cols }, got ${describe(g)}.`);
    this.shardBytes = positiveInt(fn, 'shardBytes', options.shardBytes, 64 << 20);
    const maxOpenShards = positiveInt(fn, 'maxOpenShards', options.maxOpenShards, 8, 4096);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.warn = options.onWarning ?? ((m) => console.warn(m));
    this.shards = new ShardPool(maxOpenShards, this.warn);
  }

  /** Runs `op` after every earlier operation of this instance (no interleaving of reads and writes). */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private get layout(): Layout {
    return { dtype: this.dtype, store: this.store, patchGrid: this.patchGrid };
  }

  /**
   * The folder that holds (or will hold) an encoder's features with this cache's options.
   *
   * @param encoder - an encoder or its descriptor (`id`, `kind`)
   * @returns an absolute path under `root`
   *
   * @example
   * ```ts
   * const cache = new FeatureCache('/tmp/features', { dtype: 'float16' });
   * cache.folderFor(createTextHashEncoder()).startsWith('/tmp/features/builtin_text-hash_v_1_dim_512'); // true
   * ```
   */
  folderFor(encoder: Pick<EncoderDescriptor, 'id' | 'kind'>): string {
    return encoderFolder(this.root, encoder, this.layout);
  }

  private checkEncoder(fn: string, encoder: unknown): asserts encoder is EncoderDescriptor {
    const e = encoder as Partial<EncoderDescriptor> | null;
    if (e === null || typeof e !== 'object' || typeof e.id !== 'string' || (e.kind !== 'text' && e.kind !== 'image') || !Number.isInteger(e.dim)) {
      throw new MmauxEncoderError('INVALID_INPUT', `FeatureCache.${fn}: pass an encoder (or { id, kind, dim }), got ${describe(encoder)}.`);
    }
  }

  private folder(encoder: EncoderDescriptor): Folder {
    const dir = this.folderFor(encoder);
    let f = this.folders.get(dir);
    if (!f) {
      f = emptyFolder(dir, encoder.id, encoder.kind, null);
      this.folders.set(dir, f);
    }
    return f;
  }

  /**
   * Which keys are stored (from the index alone; checksums are checked when reading).
   *
   * @param encoder - the encoder (or `{ id, kind, dim }`)
   * @param keys - input keys ({@link textKey}, {@link imageKey})
   * @returns one boolean per key
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')));
   * await cache.has(createTextHashEncoder(), [textKey('never stored')]); // [false]
   * ```
   */
  has(encoder: EncoderDescriptor, keys: readonly string[]): Promise<boolean[]> {
    this.checkEncoder('has', encoder);
    return this.serial(async () => {
      const f = this.folder(encoder);
      await ensureLoaded(f, this.warn);
      return keys.map((k) => f.index.has(k) || f.pendingKeys.has(k));
    });
  }

  /**
   * Reads entries by key, verifying each shard the first time it is opened; `undefined` for a
   * key that is not stored (or whose shard turned out corrupt and was dropped). Entries still
   * buffered for writing are returned too. `sequence` says how much of each token / patch
   * sequence to read (see {@link CacheSequence}): `'first'` reads one row per entry from disk,
   * `'none'` only the pooled vector.
   *
   * @param encoder - the encoder (or `{ id, kind, dim }`)
   * @param keys - input keys
   * @param options - `sequence`: `'all'` (default), `'first'` or `'none'`
   * @returns one entry (or `undefined`) per key
   * @throws MmauxEncoderError `INVALID_OPTION` (an unknown `sequence`), `CACHE_IO`
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')), { store: 'pooled' });
   * const enc = createTextHashEncoder({ dim: 4 });
   * await cache.put(enc, [textKey('hi')], await enc.encode(['hi']));
   * const [entry, missing] = await cache.get(enc, [textKey('hi'), textKey('bye')]);
   * [entry?.kind, entry?.pooled.length]; // ["text", 4]
   * missing === undefined; // true
   * const tokens = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')));
   * await tokens.put(enc, [textKey('good morning all')], await enc.encode(['good morning all']));
   * await tokens.flush();
   * const [all] = await tokens.get(enc, [textKey('good morning all')]);
   * const [first] = await tokens.get(enc, [textKey('good morning all')], { sequence: 'first' });
   * [all?.kind === 'text' && all.length, first?.kind === 'text' && first.length]; // [4, 1]
   * ```
   */
  get(encoder: EncoderDescriptor, keys: readonly string[], options?: CacheReadOptions): Promise<Array<CachedEntry | undefined>> {
    this.checkEncoder('get', encoder);
    const sequence = sequenceOf('FeatureCache.get', options);
    return this.serial(async () => {
      const f = this.folder(encoder);
      await ensureLoaded(f, this.warn);
      const out = await readEntries(this.shards, f, keys, sequence);
      if (f.pending.length > 0 && f.meta) {
        const meta = f.meta;
        const pendingByKey = new Map(f.pending.map((p) => [p.key, p]));
        keys.forEach((k, i) => {
          const p = out[i] === undefined ? pendingByKey.get(k) : undefined;
          if (p) out[i] = pendingEntry(meta, p, sequence);
        });
      }
      return out;
    });
  }

  /**
   * Reads keys into the batched layout an encoder returns: {@link TextFeatures} /
   * {@link ImageFeatures} (tokens padded to the batch's longest text, with the mask), or
   * {@link PooledFeatures} with `store: 'pooled'`. With `sequence: 'first'` the sequence is
   * position 0 alone (`length` / `patches` 1, mask 1, `grid` null); with `sequence: 'none'` it
   * is a `[n, 1, dim]` zero placeholder (mask 1, `grid` null) and only `pooled` carries
   * features — the shape a model that reads the pooled vectors alone is given.
   *
   * @param encoder - the encoder (or `{ id, kind, dim }`)
   * @param keys - input keys, one per row of the result
   * @param options - `sequence`: `'all'` (default), `'first'` or `'none'`
   * @returns the features
   * @throws MmauxEncoderError `CACHE_MISS` naming the first key that is not stored,
   *   `INVALID_OPTION` (an unknown `sequence`)
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')));
   * const enc = createImagePatchesEncoder({ size: 16, grid: 2 });
   * const key = blankImageKey(4, 4, [0, 0, 0]);
   * await cache.put(enc, [key], await enc.encode([blankImage(4, 4, [0, 0, 0])]));
   * const f = await cache.read(enc, [key]);
   * f.shape; // {"n": 1, "patches": 4, "dim": 40}
   * const cls = await cache.read(enc, [key], { sequence: 'first' });
   * cls.shape; // {"n": 1, "patches": 1, "dim": 40}
   * 'patches' in f && 'patches' in cls && cls.patches.every((v, d) => v === f.patches[d]); // true
   * (await cache.read(enc, [key], { sequence: 'none' })).shape; // {"n": 1, "patches": 1, "dim": 40}
   * ```
   */
  async read(encoder: EncoderDescriptor, keys: readonly string[], options?: CacheReadOptions): Promise<TextFeatures | ImageFeatures | PooledFeatures> {
    const sequence = sequenceOf('FeatureCache.read', options);
    const entries = await this.get(encoder, keys, { sequence });
    const miss = entries.findIndex((e) => e === undefined);
    if (miss >= 0) {
      throw new MmauxEncoderError(
        'CACHE_MISS',
        `FeatureCache.read: key ${keys[miss]} (row ${miss}) is not cached for encoder ${encoder.id} in ${this.folderFor(encoder)}; run extractFeatures for these posts first.`,
      );
    }
    return assemble(encoder, entries as CachedEntry[], this.store, sequence);
  }

  /**
   * Adds features for inputs (rows of an encoder's output, in order) to the write buffer; keys
   * already stored are skipped. The buffer is written as a shard when it reaches `shardBytes`,
   * and by {@link FeatureCache.flush} / {@link FeatureCache.close}. With `patchGrid`, image
   * patches are pooled here; with `dtype: 'float16'`, values are rounded when written.
   *
   * @param encoder - the encoder that computed `features`
   * @param keys - one key per row
   * @param features - the encoder's output for those rows
   * @throws MmauxEncoderError `INVALID_INPUT` (row count, kind or size mismatch),
   *   `INVALID_OPTION` (`patchGrid` with an encoder that has no grid), `CACHE_IO`, `CACHE_LOCKED`
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')), { patchGrid: 1 });
   * const enc = createImagePatchesEncoder({ size: 16, grid: 2 });
   * await cache.put(enc, [blankImageKey(2, 2, [9, 9, 9])], await enc.encode([blankImage(2, 2, [9, 9, 9])]));
   * (await cache.get(enc, [blankImageKey(2, 2, [9, 9, 9])]))[0]?.grid; // {"rows": 1, "cols": 1, "prefixTokens": 0}
   * ```
   */
  put(encoder: EncoderDescriptor, keys: readonly string[], features: TextFeatures | ImageFeatures): Promise<void> {
    this.checkEncoder('put', encoder);
    return this.serial(async () => {
      const f = this.folder(encoder);
      await ensureLoaded(f, this.warn);
      const rows = splitRows('FeatureCache.put', encoder, keys, features);
      if (!f.meta) f.meta = newMeta(encoder, features, this.layout);
      bufferRows(f, f.meta, rows, { encoder, patchGrid: this.patchGrid, storeSequence: this.store === 'tokens' });
      if (f.pendingBytes >= this.shardBytes) await writeShard(f, this.lockTimeoutMs, this.warn);
    });
  }

  /**
   * Writes every buffered entry as shards (one per encoder with buffered entries).
   *
   * @throws MmauxEncoderError `CACHE_IO`, `CACHE_LOCKED`
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')));
   * const enc = createTextHashEncoder({ dim: 4 });
   * await cache.put(enc, [textKey('a')], await enc.encode(['a']));
   * (await cache.stats()).entries; // 0
   * await cache.flush();
   * (await cache.stats()).entries; // 1
   * ```
   */
  flush(): Promise<void> {
    return this.serial(() => this.writeBuffered());
  }

  private async writeBuffered(): Promise<void> {
    for (const f of this.folders.values()) if (f.pending.length > 0) await writeShard(f, this.lockTimeoutMs, this.warn);
  }

  /**
   * Checks every shard of an encoder (or of every encoder folder under `root`) against its
   * checksums, removing corrupt or truncated ones (their entries are recomputed by the next
   * {@link extractFeatures}). Reads each shard once, a chunk at a time; shards this instance
   * has already verified (and that have not changed size, mtime or inode since) are skipped
   * unless `force` is set.
   *
   * @param encoder - one encoder, or all folders when left out
   * @param options - `force`: check again shards verified before
   * @returns how many shards were fine and which were removed
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')), { onWarning: () => {} });
   * const enc = createTextHashEncoder({ dim: 4 });
   * await cache.put(enc, [textKey('x')], await enc.encode(['x']));
   * await cache.flush();
   * const shard = join(cache.folderFor(enc), 'shard-00000.safetensors');
   * await truncate(shard, 100);
   * const report = await new FeatureCache(cache.root, { onWarning: () => {} }).verify(enc);
   * [report.ok, report.removed.length]; // [0, 1]
   * ```
   */
  verify(encoder?: EncoderDescriptor, options: { force?: boolean } = {}): Promise<VerifyReport> {
    if (encoder !== undefined) this.checkEncoder('verify', encoder);
    return this.serial(async () => {
      const folders = encoder ? [this.folder(encoder)] : await listFolders(this.root, this.folders);
      const report: VerifyReport = { ok: 0, removed: [] };
      for (const f of folders) {
        await scanFolder(f, this.warn);
        for (const n of [...f.shards.keys()].sort((a, b) => a - b)) {
          const file = (f.shards.get(n) as ShardRecord).file;
          if (options.force) {
            f.verified.delete(n);
            await this.shards.close(f, n);
          }
          if (await this.shards.get(f, n)) report.ok++;
          else report.removed.push(file);
        }
      }
      return report;
    });
  }

  /**
   * Size of the cache on disk: entries and bytes, in total and by encoder, and a summary line.
   * Entries still buffered for writing are not counted.
   *
   * @returns {@link CacheStats}
   *
   * @example
   * ```ts
   * const s = await new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-'))).stats();
   * [s.entries, s.bytes]; // [0, 0]
   * ```
   */
  stats(): Promise<CacheStats> {
    return this.serial(async () => {
      const folders = await listFolders(this.root, this.folders);
      for (const f of folders) await scanFolder(f, this.warn);
      return cacheStats(this.root, folders, { dtype: this.dtype, store: this.store });
    });
  }

  /**
   * Forgets what this instance has loaded and re-reads the indexes on next use (to see shards
   * another process wrote meanwhile). Buffered entries are kept.
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')));
   * await cache.refresh();
   * (await cache.stats()).entries; // 0
   * ```
   */
  refresh(): Promise<void> {
    return this.serial(async () => {
      for (const f of this.folders.values()) {
        for (const n of f.shards.keys()) await this.shards.close(f, n);
        f.shards.clear();
        f.index.clear();
        f.verified.clear();
        f.loaded = false;
      }
    });
  }

  /**
   * Writes buffered entries and closes open shard files. The instance can still be used
   * afterwards (files are reopened on demand).
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')));
   * const enc = createTextHashEncoder({ dim: 4 });
   * await cache.put(enc, [textKey('z')], await enc.encode(['z']));
   * await cache.close();
   * (await new FeatureCache(cache.root).has(enc, [textKey('z')])); // [true]
   * ```
   */
  close(): Promise<void> {
    return this.serial(async () => {
      await this.writeBuffered();
      await this.shards.closeAll();
    });
  }
}
