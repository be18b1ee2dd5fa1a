// Writing a folder's buffered entries as one shard: under the folder's writer lock, leftovers of
// interrupted writes removed, the safetensors file then its index each written to a temporary
// name and renamed, so a reader never trusts half a shard.
import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomic-write.js';
import { acquireWriterLock } from '../cache-lock.js';
import { MmauxEncoderError } from '../errors.js';
import { float32ToFloat16 } from '../float16.js';
import { encodeSafetensorsHeader, type SafetensorsDtype, type SafetensorsTensor } from '../safetensors.js';
import { scanFolder } from './indexes.js';
import { fileIdentity, type Folder, type FolderMeta, INDEX_FORMAT, INDEX_RE, indexName, type PendingRow, SHARD_RE, sha256, shardName, type ShardRecord } from './layout.js';

function bytesOf(a: Float32Array | Uint16Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function hexToBytes(hex: string, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 32; i++) out[offset + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
}

/** Writes `f`'s buffered entries (those not stored meanwhile by another process) as a new shard and empties the buffer. */
export async function writeShard(f: Folder, lockTimeoutMs: number, warn: (message: string) => void): Promise<void> {
  const meta = f.meta as FolderMeta;
  try {
    await mkdir(f.dir, { recursive: true });
  } catch (e) {
    throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot create ${f.dir}: ${(e as Error).message}`, { cause: e });
  }
  const release = await acquireWriterLock(f.dir, lockTimeoutMs);
  try {
    await scanFolder(f, warn);
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
    if (rows.length > 0) await writeRows(f, meta, next, rows);
    f.pending = [];
    f.pendingKeys.clear();
    f.pendingBytes = 0;
  } finally {
    await release();
  }
}

/** The tensors of a shard of `rows`, in file order. */
function shardTensors(meta: FolderMeta, rows: readonly PendingRow[]): SafetensorsTensor[] {
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
  return tensors;
}

/** Writes shard `n` of `rows` and its index, and records it in `f` (verified: it was just written). */
async function writeRows(f: Folder, meta: FolderMeta, n: number, rows: PendingRow[]): Promise<void> {
  const tensors = shardTensors(meta, rows);
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
    dim: String(meta.dim),
    rows: String(rows.length),
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
      rows: rows.length,
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
      rows: rows.length,
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
    f.verified.set(n, fileIdentity(await stat(file)));
  } catch (e) {
    if (e instanceof MmauxEncoderError) throw e;
    throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot write ${file}: ${(e as Error).message}; check free space and permissions.`, { cause: e });
  }
}
