// What an encoder folder holds and how its files are named: encoder.json (FolderMeta), shards
// `shard-NNNNN.safetensors` and their indexes `shard-NNNNN.index.json` (ShardRecord), and the
// in-memory bookkeeping of one folder (Folder). Nothing here touches the disk.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { PatchGrid } from '../types.js';
import type { CacheDtype, CacheStore, EncoderDescriptor } from './types.js';

/** encoder.json: what a folder stores. */
export interface FolderMeta {
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

/** One shard as its index file describes it. */
export interface ShardRecord {
  n: number;
  file: string;
  indexFile: string;
  rows: number;
  bytes: number;
  headerSha256: string;
  dataSha256: string;
  keys: string[];
}

/** An entry buffered for writing. */
export interface PendingRow {
  key: string;
  pooled: Float32Array;
  seq: Float32Array | null; // text tokens [len, D] or image patches [P, D]
}

/** One encoder folder: its meta, shards, key index, write buffer and verified shards. */
export interface Folder {
  dir: string;
  encoderId: string;
  kind: 'text' | 'image';
  meta: FolderMeta | null;
  shards: Map<number, ShardRecord>;
  index: Map<string, { shard: number; row: number }>;
  pending: PendingRow[];
  pendingKeys: Set<string>;
  pendingBytes: number;
  /** Shard number → `size:mtime:inode` of the file whose checksums matched. */
  verified: Map<number, string>;
  loaded: boolean;
}

/** The storage options a folder's name depends on. */
export interface Layout {
  dtype: CacheDtype;
  store: CacheStore;
  patchGrid: { rows: number; cols: number } | null;
}

/** A folder's bookkeeping before anything of it has been read. */
export function emptyFolder(dir: string, encoderId: string, kind: 'text' | 'image', meta: FolderMeta | null): Folder {
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

export const INDEX_FORMAT = 'mmaux-feature-cache-index';
export const SHARD_RE = /^shard-(\d{5,})\.safetensors$/;
export const INDEX_RE = /^shard-(\d{5,})\.index\.json$/;
export const HEX64 = /^[0-9a-f]{64}$/;

export const shardName = (n: number) => `shard-${String(n).padStart(5, '0')}.safetensors`;
export const indexName = (n: number) => `shard-${String(n).padStart(5, '0')}.index.json`;
export const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

/** `size:mtime:inode` of a file: a shard verified with this identity need not be checked again. */
export const fileIdentity = (st: { size: number; mtimeMs: number; ino: number }) => `${st.size}:${st.mtimeMs}:${st.ino}`;

/** The storage options as they enter a folder's name. */
function layoutKey(layout: Layout): string {
  const g = layout.patchGrid ? `${layout.patchGrid.rows}x${layout.patchGrid.cols}` : 'none';
  return `dtype=${layout.dtype};store=${layout.store};grid=${g}`;
}

/** `<root>/<sanitised encoder id>-<hash of kind, id and storage options>`. */
export function encoderFolder(root: string, encoder: Pick<EncoderDescriptor, 'id' | 'kind'>, layout: Layout): string {
  const safe = encoder.id.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^[._]+/, '').slice(0, 60);
  return join(root, `${safe}-${sha256(`${encoder.kind}\n${encoder.id}\n${layoutKey(layout)}`).slice(0, 16)}`);
}
