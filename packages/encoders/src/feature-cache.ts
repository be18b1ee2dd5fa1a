import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { acquireWriterLock } from './cache-lock.js';
import { MmauxEncoderError } from './errors.js';
import { float16ToFloat32, float32ToFloat16 } from './float16.js';
import { formatBytes } from './format-bytes.js';
import { poolPatchGrid } from './pool-patch-grid.js';
import {
  type SafetensorsDtype,
  type SafetensorsHeader,
  type SafetensorsTensor,
  encodeSafetensorsHeader,
  openForRead,
  readSafetensorsHeaderFrom,
} from './safetensors.js';
import type { ImageFeatures, PatchGrid, PooledFeatures, TextFeatures } from './types.js';
import { describe, oneOf, positiveInt } from './validate.js';

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
  /** `[length, dim]` (real tokens only), or `null` with `store: 'pooled'`. */
  tokens: Float32Array | null;
  /** Number of real tokens (0 with `store: 'pooled'`). */
  length: number;
}

/** One cached image. */
export interface CachedImageEntry {
  /** Always `'image'`. */
  kind: 'image';
  /** `[dim]`. */
  pooled: Float32Array;
  /** `[count, dim]`, or `null` with `store: 'pooled'`. */
  patches: Float32Array | null;
  /** Number of patches (0 with `store: 'pooled'`). */
  count: number;
  /** The stored grid (after `patchGrid` pooling), or `null`. */
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

interface FolderMeta {
  format: 'mmaux-feature-cache';
  version: 1;
  encoderId: string;
  kind: 'text' | 'image';
  dim: number;
  dtype: CacheDtype;
  store: CacheStore;
  /** Stored grid (after pooling) for images. */
  grid: PatchGrid | null;
  /** Stored patches per image (images with store 'tokens'), fixed once the first shard is written. */
  patches: number | null;
}

interface ShardRecord {
  n: number;
  file: string;
  indexFile: string;
  rows: number;
  bytes: number;
  headerSha256: string;
  dataSha256: string;
  keys: string[];
}

interface OpenShard {
  fh: FileHandle;
  header: SafetensorsHeader;
  tokenOffsets: number[] | null;
}

interface PendingRow {
  key: string;
  pooled: Float32Array;
  seq: Float32Array | null; // text tokens [len, D] or image patches [P, D]
}

interface Folder {
  dir: string;
  encoderId: string;
  kind: 'text' | 'image';
  meta: FolderMeta | null;
  shards: Map<number, ShardRecord>;
  index: Map<string, { shard: number; row: number }>;
  pending: PendingRow[];
  pendingKeys: Set<string>;
  pendingBytes: number;
  verified: Map<number, string>;
  loaded: boolean;
}

/** A folder's bookkeeping before anything of it has been read. */
function emptyFolder(dir: string, encoderId: string, kind: 'text' | 'image', meta: FolderMeta | null): Folder {
  return {
    dir,
    encoderId,
    kind,
    meta,
    shards: new Map(),
    index: new Map(),
    pending: [],
    pendingKeys: new Set(),
    pendingBytes: 0,
    verified: new Map(),
    loaded: false,
  };
}

const INDEX_FORMAT = 'mmaux-feature-cache-index';
const SHARD_RE = /^shard-(\d{5,})\.safetensors$/;
const INDEX_RE = /^shard-(\d{5,})\.index\.json$/;
const HEX64 = /^[0-9a-f]{64}$/;
const CHUNK = 4 << 20;
/** Requested rows this close are read in one go (the rows between are read and dropped). */
const MAX_GAP = 4;

const shardName = (n: number) => `shard-${String(n).padStart(5, '0')}.safetensors`;
const indexName = (n: number) => `shard-${String(n).padStart(5, '0')}.index.json`;
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

function bytesOf(a: Float32Array | Uint16Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function hexToBytes(hex: string, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 32; i++) out[offset + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
}

function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] as number).toString(16).padStart(2, '0');
  return s;
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
 *   truncated shard is removed with a warning and its entries become misses.
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
  private readonly maxOpenShards: number;
  private readonly lockTimeoutMs: number;
  private readonly warn: (message: string) => void;
  private readonly folders = new Map<string, Folder>();
  private readonly open = new Map<string, OpenShard>(); // LRU by insertion order; key dir/n
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
    this.maxOpenShards = positiveInt(fn, 'maxOpenShards', options.maxOpenShards, 8, 4096);
    this.lockTimeoutMs = options.lockTimeoutMs ?? 10_000;
    this.warn = options.onWarning ?? ((m) => console.warn(m));
  }

  /** Runs `op` after every earlier operation of this instance (no interleaving of reads and writes). */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private layoutKey(): string {
    const g = this.patchGrid ? `${this.patchGrid.rows}x${this.patchGrid.cols}` : 'none';
    return `dtype=${this.dtype};store=${this.store};grid=${g}`;
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
    const safe = encoder.id.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
    return join(this.root, `${safe}-${sha256(`${encoder.kind}\n${encoder.id}\n${this.layoutKey()}`).slice(0, 16)}`);
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

  /** Reads encoder.json and every shard index not yet known (other processes may have added some). */
  private async scan(f: Folder): Promise<void> {
    let names: string[];
    try {
      names = await readdir(f.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        f.loaded = true;
        return;
      }
      throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot list ${f.dir}: ${(e as Error).message}`, { cause: e });
    }
    if (!f.meta && names.includes('encoder.json')) {
      try {
        const meta = JSON.parse(await readFile(join(f.dir, 'encoder.json'), 'utf8')) as FolderMeta;
        if (meta.encoderId !== f.encoderId || meta.kind !== f.kind) {
          throw new MmauxEncoderError('CACHE_IO', `FeatureCache: ${f.dir}/encoder.json belongs to ${meta.encoderId}, not ${f.encoderId}; remove that folder.`);
        }
        f.meta = meta;
      } catch (e) {
        if (e instanceof MmauxEncoderError) throw e;
        this.warn(`FeatureCache: ${join(f.dir, 'encoder.json')} is unreadable (${(e as Error).message}); it will be rewritten.`);
      }
    }
    const found = names.map((n) => INDEX_RE.exec(n)).filter((m): m is RegExpExecArray => m !== null);
    let added = false;
    for (const m of found.sort((a, b) => Number(a[1]) - Number(b[1]))) {
      const n = Number(m[1]);
      if (f.shards.has(n)) continue;
      const rec = await this.readIndex(f, n);
      if (rec) {
        f.shards.set(n, rec);
        added = true;
      }
    }
    if (added || !f.loaded) this.rebuildIndex(f);
    f.loaded = true;
  }

  private async readIndex(f: Folder, n: number): Promise<ShardRecord | undefined> {
    const indexFile = join(f.dir, indexName(n));
    let rec: ShardRecord | undefined;
    let why = '';
    try {
      const j = JSON.parse(await readFile(indexFile, 'utf8')) as Record<string, unknown>;
      const keys = j.keys as unknown;
      const ok =
        j.format === INDEX_FORMAT &&
        j.version === 1 &&
        j.shard === shardName(n) &&
        j.encoderId === f.encoderId &&
        Number.isInteger(j.rows) &&
        Number.isInteger(j.bytes) &&
        typeof j.headerSha256 === 'string' &&
        HEX64.test(j.headerSha256) &&
        typeof j.dataSha256 === 'string' &&
        HEX64.test(j.dataSha256) &&
        Array.isArray(keys) &&
        keys.length === j.rows &&
        keys.every((k) => typeof k === 'string' && HEX64.test(k));
      if (ok) {
        rec = {
          n,
          file: join(f.dir, shardName(n)),
          indexFile,
          rows: j.rows as number,
          bytes: j.bytes as number,
          headerSha256: j.headerSha256 as string,
          dataSha256: j.dataSha256 as string,
          keys: keys as string[],
        };
      } else why = 'fields are missing or malformed';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      why = (e as Error).message;
    }
    if (!rec) {
      this.warn(`FeatureCache: index ${indexFile} is corrupt (${why}); its shard is dropped and will be recomputed.`);
      await rm(indexFile, { force: true }).catch(() => {});
      await rm(join(f.dir, shardName(n)), { force: true }).catch(() => {});
    }
    return rec;
  }

  private rebuildIndex(f: Folder): void {
    f.index.clear();
    for (const n of [...f.shards.keys()].sort((a, b) => a - b)) {
      const rec = f.shards.get(n) as ShardRecord;
      rec.keys.forEach((k, row) => {
        if (!f.index.has(k)) f.index.set(k, { shard: n, row });
      });
    }
  }

  private async ensureLoaded(f: Folder): Promise<void> {
    if (!f.loaded) await this.scan(f);
  }

  private async dropShard(f: Folder, n: number, reason: string): Promise<void> {
    const rec = f.shards.get(n);
    const file = rec?.file ?? join(f.dir, shardName(n));
    await this.closeShard(f, n);
    f.shards.delete(n);
    f.verified.delete(n);
    this.rebuildIndex(f);
    this.warn(`FeatureCache: shard ${file} is corrupt or truncated (${reason}); it was removed and its ${rec?.rows ?? 0} entries will be recomputed.`);
    await rm(join(f.dir, indexName(n)), { force: true }).catch(() => {});
    await rm(file, { force: true }).catch(() => {});
  }

  private async closeShard(f: Folder, n: number): Promise<void> {
    const key = `${f.dir}/${n}`;
    const o = this.open.get(key);
    if (o) {
      this.open.delete(key);
      await o.fh.close().catch(() => {});
    }
  }

  /** Opens (and on first open verifies) a shard; returns undefined when it was corrupt and dropped. */
  private async openShard(f: Folder, n: number): Promise<OpenShard | undefined> {
    const key = `${f.dir}/${n}`;
    const cached = this.open.get(key);
    if (cached) {
      this.open.delete(key);
      this.open.set(key, cached); // most recently used
      return cached;
    }
    const rec = f.shards.get(n);
    if (!rec) return undefined;
    let fh: FileHandle;
    try {
      fh = await openForRead(rec.file);
    } catch (e) {
      await this.dropShard(f, n, `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return undefined;
    }
    try {
      const st = await fh.stat();
      const identity = `${st.size}:${st.mtimeMs}:${st.ino}`;
      if (st.size !== rec.bytes) throw new Error(`size ${st.size} bytes, the index says ${rec.bytes}`);
      const header = await readSafetensorsHeaderFrom(fh, st.size, rec.file);
      if (sha256(header.raw) !== rec.headerSha256) throw new Error('header checksum mismatch');
      this.checkHeader(f, rec, header);
      if (f.verified.get(n) !== identity) {
        const hash = createHash('sha256');
        const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, st.size - header.dataStart)));
        for (let pos = header.dataStart; pos < st.size; ) {
          const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, st.size - pos), pos);
          if (bytesRead === 0) throw new Error('file ended early');
          hash.update(buf.subarray(0, bytesRead));
          pos += bytesRead;
        }
        const digest = hash.digest('hex');
        if (digest !== rec.dataSha256 || digest !== header.metadata.sha256) throw new Error('data checksum mismatch');
        const keysT = header.tensors.get('keys')!;
        const keyBytes = new Uint8Array(keysT.end - keysT.begin);
        await fh.read(keyBytes, 0, keyBytes.length, header.dataStart + keysT.begin);
        for (let r = 0; r < rec.rows; r++) {
          if (bytesToHex(keyBytes.subarray(r * 32, r * 32 + 32)) !== rec.keys[r]) throw new Error(`key of row ${r} differs from the index`);
        }
        f.verified.set(n, identity);
      }
      let tokenOffsets: number[] | null = null;
      const offT = header.tensors.get('token_offsets');
      if (offT) {
        const b = new Uint8Array(offT.end - offT.begin);
        await fh.read(b, 0, b.length, header.dataStart + offT.begin);
        tokenOffsets = Array.from(new BigInt64Array(b.buffer), Number);
      }
      const o: OpenShard = { fh, header, tokenOffsets };
      this.open.set(key, o);
      while (this.open.size > this.maxOpenShards) {
        const [oldKey, old] = this.open.entries().next().value as [string, OpenShard];
        this.open.delete(oldKey);
        await old.fh.close().catch(() => {});
      }
      return o;
    } catch (e) {
      await fh.close().catch(() => {});
      if (e instanceof MmauxEncoderError && e.code !== 'CACHE_IO') throw e;
      await this.dropShard(f, n, (e as Error).message);
      return undefined;
    }
  }

  /** Shapes and dtypes of a shard must match the folder's meta and its index. */
  private checkHeader(f: Folder, rec: ShardRecord, h: SafetensorsHeader): void {
    const meta = f.meta;
    if (!meta) throw new Error('encoder.json is missing');
    const want: SafetensorsDtype = meta.dtype === 'float16' ? 'F16' : 'F32';
    const t = (name: string) => h.tensors.get(name);
    const keys = t('keys');
    const pooled = t('pooled');
    if (!keys || keys.dtype !== 'U8' || keys.shape.join() !== `${rec.rows},32`) throw new Error('keys tensor malformed');
    if (!pooled || pooled.dtype !== want || pooled.shape.join() !== `${rec.rows},${meta.dim}`) throw new Error('pooled tensor malformed');
    if (h.metadata.encoder_id !== f.encoderId) throw new Error(`written for encoder ${String(h.metadata.encoder_id)}`);
    if (meta.store === 'tokens') {
      if (meta.kind === 'text') {
        const tok = t('tokens');
        const off = t('token_offsets');
        if (!off || off.dtype !== 'I64' || off.shape.join() !== `${rec.rows + 1}`) throw new Error('token_offsets tensor malformed');
        if (!tok || tok.dtype !== want || tok.shape.length !== 2 || tok.shape[1] !== meta.dim) throw new Error('tokens tensor malformed');
      } else {
        const p = t('patches');
        if (!p || p.dtype !== want || p.shape.join() !== `${rec.rows},${meta.patches},${meta.dim}`) throw new Error('patches tensor malformed');
      }
    }
  }

  private decode(bytes: Uint8Array, dtype: CacheDtype): Float32Array {
    if (dtype === 'float32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    return float16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
  }

  /**
   * Reads rows `first…last` of a shard with one positional read per tensor (a run of requested
   * rows, possibly with small gaps) and returns the entries of the rows asked for.
   */
  private async readRun(f: Folder, o: OpenShard, first: number, last: number, wanted: ReadonlySet<number>): Promise<Map<number, CachedEntry>> {
    const meta = f.meta as FolderMeta;
    const b = meta.dtype === 'float16' ? 2 : 4;
    const D = meta.dim;
    const h = o.header;
    const read = async (offset: number, length: number): Promise<Float32Array> => {
      const buf = new Uint8Array(length);
      for (let done = 0; done < length; ) {
        const { bytesRead } = await o.fh.read(buf, done, length - done, h.dataStart + offset + done);
        if (bytesRead === 0) throw new MmauxEncoderError('CACHE_IO', `FeatureCache: ${f.dir} shard ended early while reading; run verify().`);
        done += bytesRead;
      }
      return this.decode(buf, meta.dtype);
    };
    const rowsIn = last - first + 1;
    const pooledT = h.tensors.get('pooled')!;
    const pooled = await read(pooledT.begin + first * D * b, rowsIn * D * b);
    const out = new Map<number, CachedEntry>();
    const pooledOf = (r: number) => pooled.subarray((r - first) * D, (r - first + 1) * D);
    if (meta.kind === 'text') {
      if (meta.store === 'pooled' || !o.tokenOffsets) {
        for (const r of wanted) out.set(r, { kind: 'text', pooled: pooledOf(r), tokens: null, length: 0 });
        return out;
      }
      const offsets = o.tokenOffsets;
      const t0 = offsets[first] as number;
      const tokT = h.tensors.get('tokens')!;
      const tokens = await read(tokT.begin + t0 * D * b, ((offsets[last + 1] as number) - t0) * D * b);
      for (const r of wanted) {
        const s0 = (offsets[r] as number) - t0;
        const s1 = (offsets[r + 1] as number) - t0;
        out.set(r, { kind: 'text', pooled: pooledOf(r), tokens: tokens.subarray(s0 * D, s1 * D), length: s1 - s0 });
      }
      return out;
    }
    if (meta.store === 'pooled') {
      for (const r of wanted) out.set(r, { kind: 'image', pooled: pooledOf(r), patches: null, count: 0, grid: meta.grid });
      return out;
    }
    const P = meta.patches as number;
    const pT = h.tensors.get('patches')!;
    const patches = await read(pT.begin + first * P * D * b, rowsIn * P * D * b);
    for (const r of wanted) {
      out.set(r, { kind: 'image', pooled: pooledOf(r), patches: patches.subarray((r - first) * P * D, (r - first + 1) * P * D), count: P, grid: meta.grid ? { ...meta.grid } : null });
    }
    return out;
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
      await this.ensureLoaded(f);
      return keys.map((k) => f.index.has(k) || f.pendingKeys.has(k));
    });
  }

  /**
   * Reads entries by key, verifying each shard the first time it is opened; `undefined` for a
   * key that is not stored (or whose shard turned out corrupt and was dropped). Entries still
   * buffered for writing are returned too.
   *
   * @param encoder - the encoder (or `{ id, kind, dim }`)
   * @param keys - input keys
   * @returns one entry (or `undefined`) per key
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')), { store: 'pooled' });
   * const enc = createTextHashEncoder({ dim: 4 });
   * await cache.put(enc, [textKey('hi')], await enc.encode(['hi']));
   * const [entry, missing] = await cache.get(enc, [textKey('hi'), textKey('bye')]);
   * [entry?.kind, entry?.pooled.length]; // ["text", 4]
   * missing === undefined; // true
   * ```
   */
  get(encoder: EncoderDescriptor, keys: readonly string[]): Promise<Array<CachedEntry | undefined>> {
    this.checkEncoder('get', encoder);
    return this.serial(async () => {
      const f = this.folder(encoder);
      await this.ensureLoaded(f);
      const out = new Array<CachedEntry | undefined>(keys.length);
      const byShard = new Map<number, Array<{ i: number; row: number }>>();
      keys.forEach((k, i) => {
        const loc = f.index.get(k);
        if (loc) {
          const list = byShard.get(loc.shard) ?? [];
          list.push({ i, row: loc.row });
          byShard.set(loc.shard, list);
        }
      });
      for (const [n, list] of [...byShard].sort((a, b) => a[0] - b[0])) {
        const o = await this.openShard(f, n);
        if (!o) continue;
        list.sort((a, b) => a.row - b.row);
        // runs of nearby rows: one read per tensor per run (rows up to MAX_GAP apart are read through)
        let k = 0;
        while (k < list.length) {
          let j = k;
          while (j + 1 < list.length && (list[j + 1] as { row: number }).row - (list[j] as { row: number }).row <= MAX_GAP) j++;
          const run = list.slice(k, j + 1);
          const entries = await this.readRun(f, o, run[0]!.row, run[run.length - 1]!.row, new Set(run.map((x) => x.row)));
          for (const { i, row } of run) out[i] = entries.get(row);
          k = j + 1;
        }
      }
      if (f.pending.length > 0) {
        const pendingByKey = new Map(f.pending.map((p) => [p.key, p]));
        keys.forEach((k, i) => {
          const p = out[i] === undefined ? pendingByKey.get(k) : undefined;
          if (p) out[i] = this.pendingEntry(f, p);
        });
      }
      return out;
    });
  }

  private pendingEntry(f: Folder, p: PendingRow): CachedEntry {
    const meta = f.meta as FolderMeta;
    const round = (a: Float32Array) => (this.dtype === 'float16' ? float16ToFloat32(float32ToFloat16(a)) : a.slice());
    if (meta.kind === 'text') {
      return { kind: 'text', pooled: round(p.pooled), tokens: p.seq ? round(p.seq) : null, length: p.seq ? p.seq.length / meta.dim : 0 };
    }
    return { kind: 'image', pooled: round(p.pooled), patches: p.seq ? round(p.seq) : null, count: p.seq ? p.seq.length / meta.dim : 0, grid: meta.grid };
  }

  /**
   * Reads keys into the batched layout an encoder returns: {@link TextFeatures} /
   * {@link ImageFeatures} (tokens padded to the longest, with the mask), or
   * {@link PooledFeatures} with `store: 'pooled'`.
   *
   * @param encoder - the encoder (or `{ id, kind, dim }`)
   * @param keys - input keys, one per row of the result
   * @returns the features
   * @throws MmauxEncoderError `CACHE_MISS` naming the first key that is not stored
   *
   * @example
   * ```ts
   * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'cache-')));
   * const enc = createImagePatchesEncoder({ size: 16, grid: 2 });
   * const key = blankImageKey(4, 4, [0, 0, 0]);
   * await cache.put(enc, [key], await enc.encode([blankImage(4, 4, [0, 0, 0])]));
   * const f = await cache.read(enc, [key]);
   * f.shape; // {"n": 1, "patches": 4, "dim": 40}
   * ```
   */
  async read(encoder: EncoderDescriptor, keys: readonly string[]): Promise<TextFeatures | ImageFeatures | PooledFeatures> {
    const entries = await this.get(encoder, keys);
    const miss = entries.findIndex((e) => e === undefined);
    if (miss >= 0) {
      throw new MmauxEncoderError(
        'CACHE_MISS',
        `FeatureCache.read: key ${keys[miss]} (row ${miss}) is not cached for encoder ${encoder.id} in ${this.folderFor(encoder)}; run extractFeatures for these posts first.`,
      );
    }
    return assemble(encoder, entries as CachedEntry[], this.store);
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
      await this.ensureLoaded(f);
      const rows = splitRows('FeatureCache.put', encoder, keys, features);
      if (!f.meta) f.meta = this.newMeta(encoder, features);
      const meta = f.meta;
      for (const r of rows) {
        if (f.index.has(r.key) || f.pendingKeys.has(r.key)) continue;
        let seq = this.store === 'tokens' ? r.seq : null;
        if (seq && meta.kind === 'image' && this.patchGrid) {
          const grid = r.grid;
          if (!grid) {
            throw new MmauxEncoderError(
              'INVALID_OPTION',
              `FeatureCache.put: patchGrid ${this.patchGrid.rows}×${this.patchGrid.cols} needs an encoder whose patches lie on a grid; ${encoder.id} has none. Open the cache without patchGrid (or with store: 'pooled').`,
            );
          }
          seq = poolPatchGrid(seq, grid, encoder.dim, this.patchGrid).patches;
        }
        if (seq && meta.kind === 'image') {
          const count = seq.length / encoder.dim;
          if (meta.patches === null) meta.patches = count;
          else if (meta.patches !== count) {
            throw new MmauxEncoderError('INVALID_INPUT', `FeatureCache.put: ${encoder.id} gave ${count} patches for key ${r.key}, but this cache holds ${meta.patches} per image.`);
          }
        }
        f.pending.push({ key: r.key, pooled: r.pooled, seq });
        f.pendingKeys.add(r.key);
        f.pendingBytes += (r.pooled.length + (seq?.length ?? 0)) * (this.dtype === 'float16' ? 2 : 4) + 40;
      }
      if (f.pendingBytes >= this.shardBytes) await this.writeShard(f);
    });
  }

  private newMeta(encoder: EncoderDescriptor, features: TextFeatures | ImageFeatures): FolderMeta {
    let grid: PatchGrid | null = null;
    if (encoder.kind === 'image') {
      const g = (features as ImageFeatures).grid ?? encoder.grid ?? null;
      if (g && this.store === 'tokens') grid = this.patchGrid ? { ...this.patchGrid, prefixTokens: g.prefixTokens } : { ...g };
    }
    return {
      format: 'mmaux-feature-cache',
      version: 1,
      encoderId: encoder.id,
      kind: encoder.kind,
      dim: encoder.dim,
      dtype: this.dtype,
      store: this.store,
      grid,
      patches: null,
    };
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
    return this.serial(async () => {
      for (const f of this.folders.values()) if (f.pending.length > 0) await this.writeShard(f);
    });
  }

  private async writeShard(f: Folder): Promise<void> {
    const meta = f.meta as FolderMeta;
    try {
      await mkdir(f.dir, { recursive: true });
    } catch (e) {
      throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot create ${f.dir}: ${(e as Error).message}`, { cause: e });
    }
    const release = await acquireWriterLock(f.dir, this.lockTimeoutMs);
    try {
      await this.scan(f);
      if (!f.meta) f.meta = meta;
      const names = await readdir(f.dir);
      // Under the lock nobody else writes: temporary files and shards without an index are
      // leftovers of interrupted writes.
      const indexed = new Set(names.map((x) => INDEX_RE.exec(x)?.[1]).filter((x): x is string => x !== undefined));
      let next = 0;
      for (const name of names) {
        const m = SHARD_RE.exec(name) ?? INDEX_RE.exec(name);
        if (m) next = Math.max(next, Number(m[1]) + 1);
        const orphan = SHARD_RE.exec(name);
        if ((orphan && !indexed.has(orphan[1] as string)) || (name.startsWith('.') && name.endsWith('.tmp'))) {
          await rm(join(f.dir, name), { force: true }).catch(() => {});
        }
      }
      if (!names.includes('encoder.json')) {
        await writeFileAtomic(join(f.dir, 'encoder.json'), [new TextEncoder().encode(`${JSON.stringify(meta, null, 2)}\n`)]);
      }
      const rows = f.pending.filter((p) => !f.index.has(p.key));
      if (rows.length > 0) await this.writeRows(f, meta, next, rows);
      f.pending = [];
      f.pendingKeys.clear();
      f.pendingBytes = 0;
    } finally {
      await release();
    }
  }

  private async writeRows(f: Folder, meta: FolderMeta, n: number, rows: PendingRow[]): Promise<void> {
    const D = meta.dim;
    const R = rows.length;
    const floatDtype: SafetensorsDtype = meta.dtype === 'float16' ? 'F16' : 'F32';
    const pack = (parts: Float32Array[], total: number): Uint8Array => {
      const all = new Float32Array(total);
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return bytesOf(meta.dtype === 'float16' ? float32ToFloat16(all) : all);
    };
    const keys = new Uint8Array(R * 32);
    rows.forEach((r, i) => hexToBytes(r.key, keys, i * 32));
    const tensors: SafetensorsTensor[] = [];
    if (meta.store === 'tokens' && meta.kind === 'text') {
      const offsets = new BigInt64Array(R + 1);
      let total = 0;
      rows.forEach((r, i) => {
        total += (r.seq?.length ?? 0) / D;
        offsets[i + 1] = BigInt(total);
      });
      tensors.push({ name: 'token_offsets', dtype: 'I64', shape: [R + 1], data: bytesOf(offsets) });
      tensors.push({ name: 'pooled', dtype: floatDtype, shape: [R, D], data: pack(rows.map((r) => r.pooled), R * D) });
      tensors.push({ name: 'tokens', dtype: floatDtype, shape: [total, D], data: pack(rows.map((r) => r.seq ?? new Float32Array(0)), total * D) });
    } else {
      tensors.push({ name: 'pooled', dtype: floatDtype, shape: [R, D], data: pack(rows.map((r) => r.pooled), R * D) });
      if (meta.store === 'tokens') {
        const P = meta.patches as number;
        tensors.push({ name: 'patches', dtype: floatDtype, shape: [R, P, D], data: pack(rows.map((r) => r.seq as Float32Array), R * P * D) });
      }
    }
    tensors.push({ name: 'keys', dtype: 'U8', shape: [R, 32], data: keys });
    const hash = createHash('sha256');
    for (const t of tensors) hash.update(t.data);
    const dataSha256 = hash.digest('hex');
    const g = meta.grid;
    const metadata: Record<string, string> = {
      format: 'mmaux-feature-cache',
      version: '1',
      encoder_id: meta.encoderId,
      kind: meta.kind,
      dtype: meta.dtype,
      store: meta.store,
      dim: String(D),
      rows: String(R),
      grid: g ? `${g.rows}x${g.cols}+${g.prefixTokens}` : '',
      sha256: dataSha256,
    };
    const header = encodeSafetensorsHeader(tensors, metadata);
    const file = join(f.dir, shardName(n));
    const bytes = header.length + tensors.reduce((s, t) => s + t.data.length, 0);
    try {
      await writeFileAtomic(file, [header, ...tensors.map((t) => t.data)]);
      const rec: ShardRecord = {
        n,
        file,
        indexFile: join(f.dir, indexName(n)),
        rows: R,
        bytes,
        headerSha256: sha256(header),
        dataSha256,
        keys: rows.map((r) => r.key),
      };
      const index = {
        format: INDEX_FORMAT,
        version: 1,
        shard: shardName(n),
        encoderId: meta.encoderId,
        rows: R,
        bytes,
        headerSha256: rec.headerSha256,
        dataSha256,
        keys: rec.keys,
      };
      await writeFileAtomic(rec.indexFile, [new TextEncoder().encode(`${JSON.stringify(index)}\n`)]);
      f.shards.set(n, rec);
      rec.keys.forEach((k, row) => {
        if (!f.index.has(k)) f.index.set(k, { shard: n, row });
      });
      const st = await stat(file);
      f.verified.set(n, `${st.size}:${st.mtimeMs}:${st.ino}`);
    } catch (e) {
      if (e instanceof MmauxEncoderError) throw e;
      throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot write ${file}: ${(e as Error).message}; check free space and permissions.`, { cause: e });
    }
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
      const folders = encoder ? [this.folder(encoder)] : await this.allFolders();
      const report: VerifyReport = { ok: 0, removed: [] };
      for (const f of folders) {
        await this.scan(f);
        for (const n of [...f.shards.keys()].sort((a, b) => a - b)) {
          const file = (f.shards.get(n) as ShardRecord).file;
          if (options.force) {
            f.verified.delete(n);
            await this.closeShard(f, n);
          }
          if (await this.openShard(f, n)) report.ok++;
          else report.removed.push(file);
        }
      }
      return report;
    });
  }

  /** Every encoder folder under root (from their encoder.json). */
  private async allFolders(): Promise<Folder[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [...this.folders.values()];
      throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot list ${this.root}: ${(e as Error).message}`, { cause: e });
    }
    for (const name of names) {
      const dir = join(this.root, name);
      if (this.folders.has(dir)) continue;
      try {
        const meta = JSON.parse(await readFile(join(dir, 'encoder.json'), 'utf8')) as FolderMeta;
        if (meta.format !== 'mmaux-feature-cache') continue;
        // a folder written with other options belongs to another layout: count it, read it as its own
        const f = emptyFolder(dir, meta.encoderId, meta.kind, meta);
        this.folders.set(dir, f);
      } catch {
        // not an encoder folder
      }
    }
    return [...this.folders.values()];
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
      const byEncoder: Record<string, EncoderCacheStats> = {};
      let entries = 0;
      let bytes = 0;
      for (const f of await this.allFolders()) {
        await this.scan(f);
        let size = 0;
        let shards = 0;
        try {
          for (const name of await readdir(f.dir)) {
            if (name.endsWith('.tmp') || name === 'writer.lock') continue;
            size += (await stat(join(f.dir, name))).size;
            if (SHARD_RE.test(name)) shards++;
          }
        } catch {
          continue; // not written yet
        }
        const prev = byEncoder[f.encoderId];
        const meta = f.meta;
        byEncoder[f.encoderId] = {
          folder: prev ? `${prev.folder}, ${f.dir}` : f.dir,
          kind: f.kind,
          entries: (prev?.entries ?? 0) + f.index.size,
          bytes: (prev?.bytes ?? 0) + size,
          shards: (prev?.shards ?? 0) + shards,
          dtype: meta?.dtype ?? this.dtype,
          store: meta?.store ?? this.store,
        };
        entries += f.index.size;
        bytes += size;
      }
      const count = Object.keys(byEncoder).length;
      const summary = `feature cache ${this.root}: ${count} encoder${count === 1 ? '' : 's'}, ${entries} entries, ${formatBytes(bytes)}`;
      return { root: this.root, entries, bytes, byEncoder, summary };
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
        for (const n of f.shards.keys()) await this.closeShard(f, n);
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
      for (const f of this.folders.values()) if (f.pending.length > 0) await this.writeShard(f);
      for (const [key, o] of this.open) {
        this.open.delete(key);
        await o.fh.close().catch(() => {});
      }
    });
  }
}

/** @internal Splits an encoder's batched output into per-row features. */
function splitRows(
  fn: string,
  encoder: EncoderDescriptor,
  keys: readonly string[],
  features: TextFeatures | ImageFeatures,
): Array<{ key: string; pooled: Float32Array; seq: Float32Array; grid: PatchGrid | null }> {
  const D = encoder.dim;
  const isText = 'tokens' in features;
  if ((encoder.kind === 'text') !== isText || !features || typeof features !== 'object') {
    throw new MmauxEncoderError('INVALID_INPUT', `${fn}: ${encoder.id} is a ${encoder.kind} encoder but the features are ${isText ? 'text' : 'image'} features.`);
  }
  const n = features.shape.n;
  if (!Array.isArray(keys) || keys.length !== n) {
    throw new MmauxEncoderError('INVALID_INPUT', `${fn}: ${Array.isArray(keys) ? keys.length : describe(keys)} keys for ${n} rows of features; pass one key per row.`);
  }
  keys.forEach((k, i) => {
    if (typeof k !== 'string' || !HEX64.test(k)) {
      throw new MmauxEncoderError('INVALID_INPUT', `${fn}: keys[${i}] must be 64 lower-case hex characters (textKey / imageKey), got ${describe(k)}.`);
    }
  });
  if (features.shape.dim !== D) {
    throw new MmauxEncoderError('INVALID_INPUT', `${fn}: features have dim ${features.shape.dim} but ${encoder.id} has dim ${D}.`);
  }
  const out: Array<{ key: string; pooled: Float32Array; seq: Float32Array; grid: PatchGrid | null }> = [];
  if (isText) {
    const t = features as TextFeatures;
    const L = t.shape.length;
    for (let i = 0; i < n; i++) {
      const rows: number[] = [];
      for (let p = 0; p < L; p++) if (t.mask[i * L + p]) rows.push(p);
      const seq = new Float32Array(rows.length * D);
      rows.forEach((p, j) => seq.set(t.tokens.subarray((i * L + p) * D, (i * L + p + 1) * D), j * D));
      out.push({ key: keys[i] as string, pooled: t.pooled.slice(i * D, (i + 1) * D), seq, grid: null });
    }
  } else {
    const im = features as ImageFeatures;
    const P = im.shape.patches;
    for (let i = 0; i < n; i++) {
      out.push({ key: keys[i] as string, pooled: im.pooled.slice(i * D, (i + 1) * D), seq: im.patches.slice(i * P * D, (i + 1) * P * D), grid: im.grid ?? null });
    }
  }
  return out;
}

/** @internal Batches cached entries into an encoder-shaped result. */
export function assemble(encoder: EncoderDescriptor, entries: readonly CachedEntry[], store: CacheStore): TextFeatures | ImageFeatures | PooledFeatures {
  const D = encoder.dim;
  const n = entries.length;
  const pooled = new Float32Array(n * D);
  entries.forEach((e, i) => pooled.set(e.pooled, i * D));
  if (store === 'pooled') return { pooled, shape: { n, dim: D } };
  if (encoder.kind === 'text') {
    const es = entries as CachedTextEntry[];
    const L = es.reduce((m, e) => Math.max(m, e.length), 0);
    const tokens = new Float32Array(n * L * D);
    const mask = new Uint8Array(n * L);
    es.forEach((e, i) => {
      if (e.tokens) tokens.set(e.tokens, i * L * D);
      mask.fill(1, i * L, i * L + e.length);
    });
    return { tokens, mask, pooled, shape: { n, length: L, dim: D } };
  }
  const es = entries as CachedImageEntry[];
  const P = es[0]?.count ?? 0;
  const patches = new Float32Array(n * P * D);
  es.forEach((e, i) => {
    if (e.patches) patches.set(e.patches, i * P * D);
  });
  return { patches, pooled, shape: { n, patches: P, dim: D }, grid: es[0]?.grid ?? encoder.grid ?? null };
}
