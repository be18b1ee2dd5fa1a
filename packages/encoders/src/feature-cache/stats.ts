// The size of a cache on disk: entries and bytes per encoder and in total, and a summary line.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatBytes } from '../format-bytes.js';
import { type Folder, SHARD_RE } from './layout.js';
import type { CacheDtype, CacheStats, CacheStore, EncoderCacheStats } from './types.js';

/** Bytes and shard files of a folder on disk, or undefined when it has not been written yet. */
async function folderSize(dir: string): Promise<{ bytes: number; shards: number } | undefined> {
  let bytes = 0;
  let shards = 0;
  try {
    for (const name of await readdir(dir)) {
      if (name.endsWith('.tmp') || name === 'writer.lock') continue;
      bytes += (await stat(join(dir, name))).size;
      if (SHARD_RE.test(name)) shards++;
    }
  } catch {
    return undefined;
  }
  return { bytes, shards };
}

/**
 * Statistics of scanned folders (one encoder id may have several folders, opened with other
 * options: their figures are summed). `defaults` stand in for a folder without encoder.json.
 */
export async function cacheStats(root: string, folders: readonly Folder[], defaults: { dtype: CacheDtype; store: CacheStore }): Promise<CacheStats> {
  const byEncoder: Record<string, EncoderCacheStats> = {};
  let entries = 0;
  let bytes = 0;
  for (const f of folders) {
    const size = await folderSize(f.dir);
    if (!size) continue;
    const prev = byEncoder[f.encoderId];
    byEncoder[f.encoderId] = {
      folder: prev ? `${prev.folder}, ${f.dir}` : f.dir,
      kind: f.kind,
      entries: (prev?.entries ?? 0) + f.index.size,
      bytes: (prev?.bytes ?? 0) + size.bytes,
      shards: (prev?.shards ?? 0) + size.shards,
      dtype: f.meta?.dtype ?? defaults.dtype,
      store: f.meta?.store ?? defaults.store,
    };
    entries += f.index.size;
    bytes += size.bytes;
  }
  const count = Object.keys(byEncoder).length;
  const summary = `feature cache ${root}: ${count} encoder${count === 1 ? '' : 's'}, ${entries} entries, ${formatBytes(bytes)}`;
  return { root, entries, bytes, byEncoder, summary };
}
