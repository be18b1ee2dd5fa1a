// Reading entries from verified shards with positional reads of just the bytes asked for: the
// pooled vectors of a run of nearby rows in one read, then all of the run's tokens / patches
// in one read, or only each row's first one, or none.
import { MmauxEncoderError } from '../errors.js';
import { float16ToFloat32 } from '../float16.js';
import type { Folder, FolderMeta } from './layout.js';
import type { OpenShard, ShardPool } from './shard-pool.js';
import type { CachedEntry, CacheDtype, CacheSequence } from './types.js';

function decode(bytes: Uint8Array, dtype: CacheDtype): Float32Array {
  if (dtype === 'float32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return float16ToFloat32(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2));
}

/**
 * Reads rows `first…last` of a shard and returns the entries of the rows asked for: the pooled
 * vectors with one positional read (a run of requested rows, possibly with small gaps), then
 * per `sequence` the tokens / patches of the run with one read (`'all'`), only each wanted
 * row's first token / patch (`'first'`: one `dim`-sized read per row), or nothing (`'none'`).
 */
async function readRun(
  f: Folder,
  o: OpenShard,
  first: number,
  last: number,
  wanted: ReadonlySet<number>,
  sequence: CacheSequence,
): Promise<Map<number, CachedEntry>> {
  const meta = f.meta as FolderMeta;
  const b = meta.dtype === 'float16' ? 2 : 4;
  const D = meta.dim;
  const h = o.header;
  const fill = async (buf: Uint8Array, at: number, offset: number, length: number): Promise<void> => {
    for (let done = 0; done < length; ) {
      const { bytesRead } = await o.fh.read(buf, at + done, length - done, h.dataStart + offset + done);
      if (bytesRead === 0) throw new MmauxEncoderError('CACHE_IO', `FeatureCache: ${f.dir} shard ended early while reading; run verify().`);
      done += bytesRead;
    }
  };
  const read = async (offset: number, length: number): Promise<Float32Array> => {
    const buf = new Uint8Array(length);
    await fill(buf, 0, offset, length);
    return decode(buf, meta.dtype);
  };
  /** One `[D]` row at each byte offset, read concurrently into one buffer: `[offsets.length, D]`. */
  const readRows = async (offsets: readonly number[]): Promise<Float32Array> => {
    const row = D * b;
    const buf = new Uint8Array(offsets.length * row);
    await Promise.all(offsets.map((offset, j) => fill(buf, j * row, offset, row)));
    return decode(buf, meta.dtype);
  };
  const rowsIn = last - first + 1;
  const pooledT = h.tensors.get('pooled')!;
  const pooled = await read(pooledT.begin + first * D * b, rowsIn * D * b);
  const out = new Map<number, CachedEntry>();
  const pooledOf = (r: number) => pooled.subarray((r - first) * D, (r - first + 1) * D);
  if (meta.kind === 'text') {
    const offsets = o.tokenOffsets;
    const storedLength = (r: number) => (offsets === null ? 0 : (offsets[r + 1] as number) - (offsets[r] as number));
    if (meta.store === 'pooled' || offsets === null || sequence === 'none') {
      for (const r of wanted) out.set(r, { kind: 'text', pooled: pooledOf(r), tokens: null, length: 0, storedLength: storedLength(r) });
      return out;
    }
    const tokT = h.tensors.get('tokens')!;
    if (sequence === 'first') {
      const rows = [...wanted].filter((r) => (offsets[r + 1] as number) > (offsets[r] as number));
      const firsts = await readRows(rows.map((r) => tokT.begin + (offsets[r] as number) * D * b));
      const at = new Map(rows.map((r, j) => [r, j]));
      for (const r of wanted) {
        const j = at.get(r);
        const tokens = j === undefined ? new Float32Array(0) : firsts.subarray(j * D, (j + 1) * D);
        out.set(r, { kind: 'text', pooled: pooledOf(r), tokens, length: j === undefined ? 0 : 1, storedLength: storedLength(r) });
      }
      return out;
    }
    const t0 = offsets[first] as number;
    const tokens = await read(tokT.begin + t0 * D * b, ((offsets[last + 1] as number) - t0) * D * b);
    for (const r of wanted) {
      const s0 = (offsets[r] as number) - t0;
      const s1 = (offsets[r + 1] as number) - t0;
      out.set(r, { kind: 'text', pooled: pooledOf(r), tokens: tokens.subarray(s0 * D, s1 * D), length: s1 - s0, storedLength: s1 - s0 });
    }
    return out;
  }
  if (meta.store === 'pooled' || sequence === 'none') {
    const grid = meta.store === 'pooled' ? meta.grid : null;
    for (const r of wanted) out.set(r, { kind: 'image', pooled: pooledOf(r), patches: null, count: 0, grid });
    return out;
  }
  const P = meta.patches as number;
  const pT = h.tensors.get('patches')!;
  if (sequence === 'first') {
    const rows = [...wanted];
    const firsts = await readRows(rows.map((r) => pT.begin + r * P * D * b));
    rows.forEach((r, j) => out.set(r, { kind: 'image', pooled: pooledOf(r), patches: firsts.subarray(j * D, (j + 1) * D), count: 1, grid: null }));
    return out;
  }
  const patches = await read(pT.begin + first * P * D * b, rowsIn * P * D * b);
  for (const r of wanted) {
    out.set(r, { kind: 'image', pooled: pooledOf(r), patches: patches.subarray((r - first) * P * D, (r - first + 1) * P * D), count: P, grid: meta.grid ? { ...meta.grid } : null });
  }
  return out;
}

/** Requested rows this close are read in one go (the rows between are read and dropped). */
const MAX_GAP = 4;

/**
 * The stored entries of `keys` (`undefined` where a key is not in a shard, or its shard turned
 * out corrupt): shards in order, and in each shard runs of nearby rows with one read per tensor
 * per run (rows up to MAX_GAP apart are read through).
 */
export async function readEntries(pool: ShardPool, f: Folder, keys: readonly string[], sequence: CacheSequence): Promise<Array<CachedEntry | undefined>> {
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
    const o = await pool.get(f, n);
    if (!o) continue;
    list.sort((a, b) => a.row - b.row);
    let k = 0;
    while (k < list.length) {
      let j = k;
      while (j + 1 < list.length && (list[j + 1] as { row: number }).row - (list[j] as { row: number }).row <= MAX_GAP) j++;
      const run = list.slice(k, j + 1);
      const entries = await readRun(f, o, run[0]!.row, run[run.length - 1]!.row, new Set(run.map((x) => x.row)), sequence);
      for (const { i, row } of run) out[i] = entries.get(row);
      k = j + 1;
    }
  }
  return out;
}
