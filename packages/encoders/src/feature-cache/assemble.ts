// Entries read one by one, batched into the layout an encoder returns: text tokens padded to
// the batch's longest text with their mask, image patches stacked, pooled vectors; with
// `sequence: 'none'`, a one-position zero placeholder where the sequence would be.
import type { ImageFeatures, PooledFeatures, TextFeatures } from '../types.js';
import type { CachedEntry, CachedImageEntry, CachedTextEntry, CacheSequence, CacheStore, EncoderDescriptor } from './types.js';

/** @internal Batches cached entries into an encoder-shaped result. */
export function assemble(
  encoder: EncoderDescriptor,
  entries: readonly CachedEntry[],
  store: CacheStore,
  sequence: CacheSequence = 'all',
): TextFeatures | ImageFeatures | PooledFeatures {
  const D = encoder.dim;
  const n = entries.length;
  const pooled = new Float32Array(n * D);
  entries.forEach((e, i) => pooled.set(e.pooled, i * D));
  if (store === 'pooled') return { pooled, shape: { n, dim: D } };
  if (sequence === 'none') {
    // [n, 1, D] zeros: the shape a model that reads only `pooled` is given (mask 1: position 0 is "real").
    const zeros = new Float32Array(n * D);
    if (encoder.kind === 'text') return { tokens: zeros, mask: new Uint8Array(n).fill(1), pooled, shape: { n, length: 1, dim: D } };
    return { patches: zeros, pooled, shape: { n, patches: 1, dim: D }, grid: null };
  }
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
  const grid = sequence === 'all' ? (es[0]?.grid ?? encoder.grid ?? null) : null;
  return { patches, pooled, shape: { n, patches: P, dim: D }, grid };
}
