// Opening shards: a few files kept open (least recently used closed), each verified the first
// time this cache instance opens it (size, header checksum, shapes, data checksum, keys); a
// corrupt or truncated one is removed with a warning and its entries become misses.
import { createHash } from 'node:crypto';
import { type FileHandle, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MmauxEncoderError } from '../errors.js';
import { openForRead, readSafetensorsHeaderFrom, type SafetensorsDtype, type SafetensorsHeader } from '../safetensors.js';
import { rebuildIndex } from './indexes.js';
import { fileIdentity, type Folder, indexName, sha256, shardName, type ShardRecord } from './layout.js';

/** An open, verified shard. */
export interface OpenShard {
  fh: FileHandle;
  header: SafetensorsHeader;
  /** Text shards with tokens: row r's tokens are rows `tokenOffsets[r] … tokenOffsets[r + 1] - 1` of `tokens`. */
  tokenOffsets: number[] | null;
}

const CHUNK = 4 << 20;

function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] as number).toString(16).padStart(2, '0');
  return s;
}

/** Shapes and dtypes of a shard must match the folder's meta and its index. */
function checkHeader(f: Folder, rec: ShardRecord, h: SafetensorsHeader): void {
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

/** The whole data section's sha256 (a chunk at a time) and the keys tensor against the index. */
async function verifyData(fh: FileHandle, size: number, header: SafetensorsHeader, rec: ShardRecord): Promise<void> {
  const hash = createHash('sha256');
  const buf = new Uint8Array(Math.min(CHUNK, Math.max(1, size - header.dataStart)));
  for (let pos = header.dataStart; pos < size; ) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
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
}

/** The open shard files of one cache instance, least recently used first. */
export class ShardPool {
  private readonly open = new Map<string, OpenShard>(); // LRU by insertion order; key dir/n

  constructor(
    private readonly maxOpen: number,
    private readonly warn: (message: string) => void,
  ) {}

  /** Opens (and on first open verifies) a shard; returns undefined when it was corrupt and dropped. */
  async get(f: Folder, n: number): Promise<OpenShard | undefined> {
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
      await this.drop(f, n, `cannot open: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return undefined;
    }
    try {
      const st = await fh.stat();
      const identity = fileIdentity(st);
      if (st.size !== rec.bytes) throw new Error(`size ${st.size} bytes, the index says ${rec.bytes}`);
      const header = await readSafetensorsHeaderFrom(fh, st.size, rec.file);
      if (sha256(header.raw) !== rec.headerSha256) throw new Error('header checksum mismatch');
      checkHeader(f, rec, header);
      if (f.verified.get(n) !== identity) {
        await verifyData(fh, st.size, header, rec);
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
      while (this.open.size > this.maxOpen) {
        const [oldKey, old] = this.open.entries().next().value as [string, OpenShard];
        this.open.delete(oldKey);
        await old.fh.close().catch(() => {});
      }
      return o;
    } catch (e) {
      await fh.close().catch(() => {});
      if (e instanceof MmauxEncoderError && e.code !== 'CACHE_IO') throw e;
      await this.drop(f, n, (e as Error).message);
      return undefined;
    }
  }

  /** Closes shard `n` of `f` if it is open. */
  async close(f: Folder, n: number): Promise<void> {
    const key = `${f.dir}/${n}`;
    const o = this.open.get(key);
    if (o) {
      this.open.delete(key);
      await o.fh.close().catch(() => {});
    }
  }

  /** Closes every open shard. */
  async closeAll(): Promise<void> {
    for (const [key, o] of this.open) {
      this.open.delete(key);
      await o.fh.close().catch(() => {});
    }
  }

  /** Forgets a corrupt shard and removes it and its index, with a warning. */
  private async drop(f: Folder, n: number, reason: string): Promise<void> {
    const rec = f.shards.get(n);
    const file = rec?.file ?? join(f.dir, shardName(n));
    await this.close(f, n);
    f.shards.delete(n);
    f.verified.delete(n);
    rebuildIndex(f);
    this.warn(`FeatureCache: shard ${file} is corrupt or truncated (${reason}); it was removed and its ${rec?.rows ?? 0} entries will be recomputed.`);
    await rm(join(f.dir, indexName(n)), { force: true }).catch(() => {});
    await rm(file, { force: true }).catch(() => {});
  }
}
