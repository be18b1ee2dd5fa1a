// FeatureCache reads with `sequence: 'first' | 'none'`: the same values as a full read's first
// row (text and image, float32 and float16, patchGrid caches, buffered entries), only those
// bytes read from disk once a shard is verified, and verification kept on first open.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecodedImage } from '@mmaux/datasets';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createImagePatchesEncoder,
  createTextHashEncoder,
  FeatureCache,
  type CachedImageEntry,
  type CachedTextEntry,
  type CacheDtype,
  type ImageFeatures,
  type TextFeatures,
  textKey,
} from '../src/index.js';
import { rejectsWithCode, rows, tempDir } from './helpers/util.js';

// Every byte the cache reads from a shard goes through FileHandle.read on a handle from openForRead.
const counter = vi.hoisted(() => ({ bytes: 0, reads: 0 }));
vi.mock('../src/safetensors.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/safetensors.js')>();
  return {
    ...original,
    openForRead: async (file: string) => {
      const fh = await original.openForRead(file);
      const read = fh.read.bind(fh) as (...args: unknown[]) => Promise<{ bytesRead: number }>;
      Object.assign(fh, {
        read: async (...args: unknown[]) => {
          const r = await read(...args);
          counter.bytes += r.bytesRead;
          counter.reads++;
          return r;
        },
      });
      return fh;
    },
  };
});
beforeEach(() => {
  counter.bytes = 0;
  counter.reads = 0;
});

const quiet = { onWarning: () => {} };
const texts = Array.from({ length: 12 }, (_, i) => `post ${i} about ${['cats', 'dogs', 'rain', 'the long walk home'][i % 4]} ${'yes '.repeat(i % 5)}`);
const textKeys = texts.map(textKey);

/** An image whose pixels vary by position and by `seed`, so every patch differs. */
function patterned(seed: number, size = 36): DecodedImage {
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = (x * 7 + y * 13 + c * 50 + seed * 31) % 256;
  return { data, width: size, height: size, channels: 3 };
}
const imageKeys = Array.from({ length: 7 }, (_, i) => textKey(`image ${i}`));

/** A text cache in two shards (rows 0–5 and 6–11). */
async function textCache(dtype: CacheDtype) {
  const root = tempDir('seq-text');
  const enc = createTextHashEncoder({ dim: 16 });
  const writer = new FeatureCache(root, { ...quiet, dtype });
  await writer.put(enc, textKeys.slice(0, 6), await enc.encode(texts.slice(0, 6)));
  await writer.flush();
  await writer.put(enc, textKeys.slice(6), await enc.encode(texts.slice(6)));
  await writer.close();
  return { root, enc, open: () => new FeatureCache(root, { ...quiet, dtype }) };
}

/** An image cache of 7 images, patches as the encoder gives them (6 × 6) or pooled to `patchGrid`. */
async function imageCache(dtype: CacheDtype, patchGrid?: number) {
  const root = tempDir('seq-image');
  const enc = createImagePatchesEncoder();
  const options = { ...quiet, dtype, ...(patchGrid === undefined ? {} : { patchGrid }) };
  const writer = new FeatureCache(root, options);
  await writer.put(enc, imageKeys, await enc.encode(imageKeys.map((_, i) => patterned(i))));
  await writer.close();
  return { root, enc, open: () => new FeatureCache(root, options) };
}

describe("FeatureCache.read with sequence 'first' and 'none': text", () => {
  for (const dtype of ['float32', 'float16'] as const) {
    it(`${dtype}: token 0 of each text and the pooled vectors, exactly as a full read has them`, async () => {
      const { enc, open } = await textCache(dtype);
      const cache = open();
      const order = [11, 0, 3, 7, 6, 5];
      const keys = order.map((i) => textKeys[i] as string);
      const full = (await cache.read(enc, keys)) as TextFeatures;
      const D = 16;
      const L = full.shape.length;
      expect(L).toBeGreaterThan(3);
      const first = (await cache.read(enc, keys, { sequence: 'first' })) as TextFeatures;
      expect(first.shape).toEqual({ n: 6, length: 1, dim: D });
      expect(Array.from(first.mask)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(Array.from(first.pooled)).toEqual(Array.from(full.pooled));
      for (let i = 0; i < 6; i++) expect(Array.from(rows(first.tokens, i, i + 1, D))).toEqual(Array.from(rows(full.tokens, i * L, i * L + 1, D)));
      const none = (await cache.read(enc, keys, { sequence: 'none' })) as TextFeatures;
      expect(none.shape).toEqual({ n: 6, length: 1, dim: D });
      expect(none.tokens.every((v) => v === 0)).toBe(true);
      expect(Array.from(none.mask)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(Array.from(none.pooled)).toEqual(Array.from(full.pooled));
      await cache.close();
    });
  }

  it("get: 'first' gives one token per entry, 'none' none; the default is every token", async () => {
    const { enc, open } = await textCache('float32');
    const cache = open();
    const [all] = (await cache.get(enc, [textKeys[4] as string])) as CachedTextEntry[];
    const [first] = (await cache.get(enc, [textKeys[4] as string], { sequence: 'first' })) as CachedTextEntry[];
    const [none, missing] = await cache.get(enc, [textKeys[4] as string, textKey('never stored')], { sequence: 'none' });
    expect(all!.length).toBeGreaterThan(1);
    expect(all!.tokens!.length).toBe(all!.length * 16);
    expect(first).toMatchObject({ kind: 'text', length: 1, storedLength: all!.length });
    expect(Array.from(first!.tokens!)).toEqual(Array.from(all!.tokens!.subarray(0, 16)));
    // The stored length comes without reading a token.
    expect(none).toMatchObject({ kind: 'text', tokens: null, length: 0, storedLength: all!.length });
    expect(all!.storedLength).toBe(all!.length);
    expect(Array.from(none!.pooled)).toEqual(Array.from(all!.pooled));
    expect(missing).toBeUndefined();
    await cache.close();
  });

  it('serves buffered (not yet written) entries the same way, rounded as stored', async () => {
    const enc = createTextHashEncoder({ dim: 16 });
    const cache = new FeatureCache(tempDir('seq-pending'), { ...quiet, dtype: 'float16' });
    await cache.put(enc, textKeys.slice(0, 3), await enc.encode(texts.slice(0, 3)));
    const full = (await cache.read(enc, textKeys.slice(0, 3))) as TextFeatures;
    const first = (await cache.read(enc, textKeys.slice(0, 3), { sequence: 'first' })) as TextFeatures;
    expect(first.shape).toEqual({ n: 3, length: 1, dim: 16 });
    const pendingEntries = (await cache.get(enc, textKeys.slice(0, 3), { sequence: 'none' })) as CachedTextEntry[];
    expect(pendingEntries.map((e) => e.storedLength)).toEqual(Array.from({ length: 3 }, (_, i) => full.mask.subarray(i * full.shape.length, (i + 1) * full.shape.length).reduce((a, b) => a + b, 0)));
    const L = full.shape.length;
    for (let i = 0; i < 3; i++) expect(Array.from(rows(first.tokens, i, i + 1, 16))).toEqual(Array.from(rows(full.tokens, i * L, i * L + 1, 16)));
    await cache.flush();
    const written = (await cache.read(enc, textKeys.slice(0, 3), { sequence: 'first' })) as TextFeatures;
    expect(Array.from(written.tokens)).toEqual(Array.from(first.tokens));
    expect(Array.from(written.pooled)).toEqual(Array.from(first.pooled));
    await cache.close();
  });

  it('reads only the first row of each entry from disk once the shards are verified', async () => {
    const { enc, open } = await textCache('float16');
    const cache = open();
    const D = 16;
    const b = 2;
    const warm = (await cache.read(enc, textKeys)) as TextFeatures; // first open: every byte, to verify the checksums
    expect(counter.bytes).toBeGreaterThan(warm.mask.reduce((s, m) => s + m, 0) * D * b);
    const tokenCount = warm.mask.reduce((s, m) => s + m, 0);
    counter.bytes = 0;
    await cache.read(enc, textKeys);
    expect(counter.bytes).toBe((12 + tokenCount) * D * b); // pooled + every token
    counter.bytes = 0;
    await cache.read(enc, textKeys, { sequence: 'first' });
    expect(counter.bytes).toBe((12 + 12) * D * b); // pooled + one token per text
    counter.bytes = 0;
    await cache.read(enc, textKeys, { sequence: 'none' });
    expect(counter.bytes).toBe(12 * D * b); // pooled only
    await cache.close();
  });

  it("still verifies a shard's checksum on first open when only first tokens are read", async () => {
    const { root, enc } = await textCache('float32');
    const folder = new FeatureCache(root).folderFor(enc);
    const file = join(folder, 'shard-00000.safetensors');
    const bytes = readFileSync(file);
    bytes[bytes.length - 32 * 6 - 8]! ^= 0x10; // in the tokens, past every first token of the shard
    writeFileSync(file, bytes);
    const warnings: string[] = [];
    const cache = new FeatureCache(root, { onWarning: (m) => warnings.push(m) });
    const got = await cache.get(enc, textKeys, { sequence: 'first' });
    expect(Array.from(got, (e) => e !== undefined)).toEqual([...Array(6).fill(false), ...Array(6).fill(true)]);
    expect(warnings.join('\n')).toMatch(/shard-00000\.safetensors is corrupt or truncated \(data checksum mismatch\)/);
    await cache.close();
  });

  it('rejects an unknown sequence, naming it', async () => {
    const { enc, open } = await textCache('float32');
    const cache = open();
    const err = await rejectsWithCode(cache.read(enc, textKeys, { sequence: 'last' as 'first' }), 'INVALID_OPTION');
    expect(err.message).toBe(`FeatureCache.read: sequence must be one of 'all', 'first', 'none', got "last".`);
    expect(() => cache.get(enc, textKeys, 'first' as never)).toThrow(`FeatureCache.get: options must be an object like { sequence: 'first' }, got "first".`);
    await cache.close();
  });
});

describe("FeatureCache.read with sequence 'first' and 'none': images", () => {
  const cases = [
    { dtype: 'float32', patchGrid: undefined, patches: 36 },
    { dtype: 'float16', patchGrid: undefined, patches: 36 },
    { dtype: 'float32', patchGrid: 3, patches: 9 },
    { dtype: 'float16', patchGrid: 2, patches: 4 },
  ] as const;
  for (const { dtype, patchGrid, patches } of cases) {
    it(`${dtype}, patchGrid ${patchGrid ?? 'none'}: patch 0 of each image, exactly as a full read has it`, async () => {
      const { enc, open } = await imageCache(dtype, patchGrid);
      const cache = open();
      const keys = [6, 2, 0, 5].map((i) => imageKeys[i] as string);
      const D = enc.dim;
      const full = (await cache.read(enc, keys)) as ImageFeatures;
      expect(full.shape).toEqual({ n: 4, patches, dim: D });
      expect(full.grid).not.toBeNull();
      // the images differ patch by patch, so the first patch is not any other one
      expect(Array.from(rows(full.patches, 0, 1, D))).not.toEqual(Array.from(rows(full.patches, 1, 2, D)));
      const first = (await cache.read(enc, keys, { sequence: 'first' })) as ImageFeatures;
      expect(first.shape).toEqual({ n: 4, patches: 1, dim: D });
      expect(first.grid).toBeNull();
      expect(Array.from(first.pooled)).toEqual(Array.from(full.pooled));
      for (let i = 0; i < 4; i++) expect(Array.from(rows(first.patches, i, i + 1, D))).toEqual(Array.from(rows(full.patches, i * patches, i * patches + 1, D)));
      const none = (await cache.read(enc, keys, { sequence: 'none' })) as ImageFeatures;
      expect(none.shape).toEqual({ n: 4, patches: 1, dim: D });
      expect(none.patches.every((v) => v === 0)).toBe(true);
      expect(Array.from(none.pooled)).toEqual(Array.from(full.pooled));
      const [entry] = (await cache.get(enc, [keys[0] as string], { sequence: 'first' })) as CachedImageEntry[];
      expect(entry).toMatchObject({ kind: 'image', count: 1, grid: null });
      expect(entry!.patches!.length).toBe(D);
      await cache.close();
    });
  }

  it('reads one patch per image from disk once the shard is verified', async () => {
    const { enc, open } = await imageCache('float32');
    const cache = open();
    const D = enc.dim;
    await cache.read(enc, imageKeys); // verifies the shard
    for (const [sequence, perImage] of [['all', 1 + 36], ['first', 1 + 1], ['none', 1]] as const) {
      counter.bytes = 0;
      await cache.read(enc, imageKeys, { sequence });
      expect(counter.bytes).toBe(7 * perImage * D * 4);
    }
    // rows far apart: pooled vectors read one run each, first patches one row each
    counter.bytes = 0;
    await cache.read(enc, [imageKeys[0] as string, imageKeys[6] as string], { sequence: 'first' });
    expect(counter.bytes).toBe(2 * 2 * D * 4);
    await cache.close();
  });
});
