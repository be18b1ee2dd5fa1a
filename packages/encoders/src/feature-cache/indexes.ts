// Reading a folder's encoder.json and shard indexes into its bookkeeping: which keys are stored
// in which shard and row. A corrupt index drops its shard (its entries become misses).
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MmauxEncoderError } from '../errors.js';
import { emptyFolder, type Folder, type FolderMeta, HEX64, INDEX_FORMAT, INDEX_RE, indexName, type ShardRecord, shardName } from './layout.js';

/** Reads encoder.json and every shard index not yet known (other processes may have added some). */
export async function scanFolder(f: Folder, warn: (message: string) => void): Promise<void> {
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
      warn(`FeatureCache: ${join(f.dir, 'encoder.json')} is unreadable (${(e as Error).message}); it will be rewritten.`);
    }
  }
  const found = names.map((n) => INDEX_RE.exec(n)).filter((m): m is RegExpExecArray => m !== null);
  let added = false;
  for (const m of found.sort((a, b) => Number(a[1]) - Number(b[1]))) {
    const n = Number(m[1]);
    if (f.shards.has(n)) continue;
    const rec = await readIndex(f, n, warn);
    if (rec) {
      f.shards.set(n, rec);
      added = true;
    }
  }
  if (added || !f.loaded) rebuildIndex(f);
  f.loaded = true;
}

/** Scans a folder the first time it is used. */
export async function ensureLoaded(f: Folder, warn: (message: string) => void): Promise<void> {
  if (!f.loaded) await scanFolder(f, warn);
}

/** One shard's index file, checked field by field; a corrupt one is removed with its shard. */
async function readIndex(f: Folder, n: number, warn: (message: string) => void): Promise<ShardRecord | undefined> {
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
    warn(`FeatureCache: index ${indexFile} is corrupt (${why}); its shard is dropped and will be recomputed.`);
    await rm(indexFile, { force: true }).catch(() => {});
    await rm(join(f.dir, shardName(n)), { force: true }).catch(() => {});
  }
  return rec;
}

/** Key → (shard, row) from the known shards; a key stored twice is read from the lowest shard. */
export function rebuildIndex(f: Folder): void {
  f.index.clear();
  for (const n of [...f.shards.keys()].sort((a, b) => a - b)) {
    const rec = f.shards.get(n) as ShardRecord;
    rec.keys.forEach((k, row) => {
      if (!f.index.has(k)) f.index.set(k, { shard: n, row });
    });
  }
}

/**
 * Adds every encoder folder under `root` (from their encoder.json) to `folders` and returns
 * them all. A folder written with other options belongs to another layout: it is read as its own.
 */
export async function listFolders(root: string, folders: Map<string, Folder>): Promise<Folder[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [...folders.values()];
    throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot list ${root}: ${(e as Error).message}`, { cause: e });
  }
  for (const name of names) {
    const dir = join(root, name);
    if (folders.has(dir)) continue;
    try {
      const meta = JSON.parse(await readFile(join(dir, 'encoder.json'), 'utf8')) as FolderMeta;
      if (meta.format !== 'mmaux-feature-cache') continue;
      folders.set(dir, emptyFolder(dir, meta.encoderId, meta.kind, meta));
    } catch {
      // not an encoder folder
    }
  }
  return [...folders.values()];
}
