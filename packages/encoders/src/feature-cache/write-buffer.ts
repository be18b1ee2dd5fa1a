// Entries on their way in: an encoder's batched output split into rows (checked against the
// encoder and the keys), a folder's meta from the first features put, and buffered rows served
// to readers before they are written (rounded as the shard will store them).
import { MmauxEncoderError } from '../errors.js';
import { float16ToFloat32, float32ToFloat16 } from '../float16.js';
import { poolPatchGrid } from '../pool-patch-grid.js';
import type { ImageFeatures, PatchGrid, TextFeatures } from '../types.js';
import { describe } from '../validate.js';
import { type Folder, type FolderMeta, HEX64, type Layout, type PendingRow } from './layout.js';
import type { CachedEntry, CacheSequence, EncoderDescriptor } from './types.js';

/** One row of an encoder's output: pooled vector and sequence (text: real tokens only). */
export interface FeatureRow {
  key: string;
  pooled: Float32Array;
  seq: Float32Array;
  grid: PatchGrid | null;
}

/** Splits an encoder's batched output into per-row features. */
export function splitRows(fn: string, encoder: EncoderDescriptor, keys: readonly string[], features: TextFeatures | ImageFeatures): FeatureRow[] {
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
  const out: FeatureRow[] = [];
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

/** encoder.json of a folder, from the first features put into it. */
export function newMeta(encoder: EncoderDescriptor, features: TextFeatures | ImageFeatures, layout: Layout): FolderMeta {
  let grid: PatchGrid | null = null;
  if (encoder.kind === 'image') {
    const g = (features as ImageFeatures).grid ?? encoder.grid ?? null;
    if (g && layout.store === 'tokens') grid = layout.patchGrid ? { ...layout.patchGrid, prefixTokens: g.prefixTokens } : { ...g };
  }
  return {
    format: 'mmaux-feature-cache',
    version: 1,
    encoderId: encoder.id,
    kind: encoder.kind,
    dim: encoder.dim,
    dtype: layout.dtype,
    store: layout.store,
    grid,
    patches: null,
  };
}

/**
 * Adds rows not stored or buffered yet to `f`'s write buffer: the sequence kept only with
 * `storeSequence` (store 'tokens'), image patches pooled to `patchGrid`, the patch count fixed
 * by the first image.
 */
export function bufferRows(
  f: Folder,
  meta: FolderMeta,
  rows: readonly FeatureRow[],
  options: { encoder: EncoderDescriptor; patchGrid: { rows: number; cols: number } | null; storeSequence: boolean },
): void {
  const { encoder, patchGrid } = options;
  for (const r of rows) {
    if (f.index.has(r.key) || f.pendingKeys.has(r.key)) continue;
    let seq = options.storeSequence ? r.seq : null;
    if (seq && meta.kind === 'image' && patchGrid) {
      const grid = r.grid;
      if (!grid) {
        throw new MmauxEncoderError(
          'INVALID_OPTION',
          `FeatureCache.put: patchGrid ${patchGrid.rows}×${patchGrid.cols} needs an encoder whose patches lie on a grid; ${encoder.id} has none. Open the cache without patchGrid (or with store: 'pooled').`,
        );
      }
      seq = poolPatchGrid(seq, grid, encoder.dim, patchGrid).patches;
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
    f.pendingBytes += (r.pooled.length + (seq?.length ?? 0)) * (meta.dtype === 'float16' ? 2 : 4) + 40;
  }
}

/** A buffered row as a reader gets it: values rounded to the storage dtype, `sequence` applied. */
export function pendingEntry(meta: FolderMeta, p: PendingRow, sequence: CacheSequence): CachedEntry {
  const round = (a: Float32Array) => (meta.dtype === 'float16' ? float16ToFloat32(float32ToFloat16(a)) : a.slice());
  const seq = p.seq === null || sequence === 'none' ? null : sequence === 'first' ? p.seq.subarray(0, Math.min(p.seq.length, meta.dim)) : p.seq;
  const count = seq ? seq.length / meta.dim : 0;
  if (meta.kind === 'text') {
    return { kind: 'text', pooled: round(p.pooled), tokens: seq ? round(seq) : null, length: count, storedLength: p.seq === null ? 0 : p.seq.length / meta.dim };
  }
  const grid = sequence === 'all' || p.seq === null ? meta.grid : null;
  return { kind: 'image', pooled: round(p.pooled), patches: seq ? round(seq) : null, count, grid };
}
