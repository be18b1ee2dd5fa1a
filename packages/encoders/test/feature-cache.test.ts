import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blankImage } from '@mmaux/datasets';
import { describe, expect, it } from 'vitest';
import {
  blankImageKey,
  createImagePatchesEncoder,
  createTextHashEncoder,
  FeatureCache,
  type ImageFeatures,
  readSafetensors,
  type TextFeatures,
  textKey,
} from '../src/index.js';
import { maxAbsDiff, rejectsWithCode, tempDir } from './helpers/util.js';

const quiet = { onWarning: () => {} };
const texts = Array.from({ length: 10 }, (_, i) => `post number ${i} about ${['cats', 'dogs', 'rain'][i % 3]} ${'!'.repeat(i % 4)}`);

async function filled(options: ConstructorParameters<typeof FeatureCache>[1] = {}) {
  const root = tempDir('cache');
  const enc = createTextHashEncoder({ dim: 24 });
  const feats = await enc.encode(texts);
  const keys = texts.map(textKey);
  const cache = new FeatureCache(root, { ...quiet, ...options });
  await cache.put(enc, keys.slice(0, 5), await enc.encode(texts.slice(0, 5)));
  await cache.flush();
  await cache.put(enc, keys.slice(5), await enc.encode(texts.slice(5)));
  await cache.flush();
  return { root, enc, feats, keys, cache, folder: cache.folderFor(enc) };
}

describe('FeatureCache: layout and round trip', () => {
  it('writes a folder per encoder with encoder.json, safetensors shards and their JSON indexes', async () => {
    const { root, enc, keys, folder } = await filled();
    expect(folder.startsWith(root)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual([
      'encoder.json',
      'shard-00000.index.json',
      'shard-00000.safetensors',
      'shard-00001.index.json',
      'shard-00001.safetensors',
    ]);
    const meta = JSON.parse(readFileSync(join(folder, 'encoder.json'), 'utf8'));
    expect(meta).toMatchObject({ encoderId: enc.id, kind: 'text', dim: 24, dtype: 'float32', store: 'tokens' });
    const index = JSON.parse(readFileSync(join(folder, 'shard-00001.index.json'), 'utf8'));
    expect(index).toMatchObject({ shard: 'shard-00001.safetensors', rows: 5, keys: keys.slice(5) });
    expect(index.bytes).toBe(statSync(join(folder, 'shard-00001.safetensors')).size);
    // the shard is plain safetensors: what a Python reader gets
    const st = await readSafetensors(join(folder, 'shard-00000.safetensors'));
    expect(Object.keys(st.tensors).sort()).toEqual(['keys', 'pooled', 'token_offsets', 'tokens']);
    expect(st.metadata).toMatchObject({ encoder_id: enc.id, dtype: 'float32', kind: 'text', rows: '5', dim: '24' });
    expect(st.tensors.pooled!.shape).toEqual([5, 24]);
    const offsets = Array.from(st.tensors.token_offsets!.data as BigInt64Array, Number);
    expect(st.tensors.tokens!.shape).toEqual([offsets[5], 24]); // unpadded
    const f = await enc.encode(texts.slice(0, 5));
    expect(offsets.slice(1).map((o, i) => o - (offsets[i] as number))).toEqual(
      Array.from({ length: 5 }, (_, i) => f.mask.subarray(i * f.shape.length, (i + 1) * f.shape.length).reduce((a, b) => a + b, 0)),
    );
    expect(Buffer.from(st.tensors.keys!.data as Uint8Array).subarray(0, 32).toString('hex')).toBe(keys[0]);
  });

  it('reads back exactly what was written (float32), across shards, in any order', async () => {
    const { enc, feats, keys, root } = await filled();
    const cache = new FeatureCache(root, { ...quiet, maxOpenShards: 1 });
    const order = [9, 0, 5, 3, 7];
    const back = (await cache.read(enc, order.map((i) => keys[i] as string))) as TextFeatures;
    const direct = await enc.encode(order.map((i) => texts[i] as string));
    expect(back.shape).toEqual(direct.shape);
    expect(Array.from(back.mask)).toEqual(Array.from(direct.mask));
    expect(Array.from(back.tokens)).toEqual(Array.from(direct.tokens));
    expect(Array.from(back.pooled)).toEqual(Array.from(direct.pooled));
    expect(feats.shape.n).toBe(10);
  });

  it('round-trips float16 with the error bounded by 2^-11 relative', async () => {
    const { enc, keys, root } = await filled({ dtype: 'float16' });
    const back = (await new FeatureCache(root, { ...quiet, dtype: 'float16' }).read(enc, keys)) as TextFeatures;
    const direct = await enc.encode(texts);
    let worst = 0;
    direct.tokens.forEach((v, i) => {
      if (Math.abs(v) >= 2 ** -14) worst = Math.max(worst, Math.abs((back.tokens[i] as number) - v) / Math.abs(v));
      else expect(Math.abs((back.tokens[i] as number) - v)).toBeLessThanOrEqual(2 ** -25);
    });
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(0);
    // half the bytes of float32 for the feature tensors
    const f32 = await filled();
    const size = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.safetensors')).reduce((s, n) => s + statSync(join(dir, n)).size, 0);
    expect(size(new FeatureCache(root, { dtype: 'float16' }).folderFor(enc))).toBeLessThan(0.6 * size(f32.folder));
  });

  it('keeps storage options apart: another dtype or store is another folder', async () => {
    const root = tempDir('cache-opts');
    const enc = createTextHashEncoder({ dim: 8 });
    const a = new FeatureCache(root, { dtype: 'float16' }).folderFor(enc);
    const b = new FeatureCache(root, { store: 'pooled' }).folderFor(enc);
    const c = new FeatureCache(root).folderFor(createTextHashEncoder({ dim: 9 }));
    expect(new Set([a, b, c, new FeatureCache(root).folderFor(enc)]).size).toBe(4);
  });

  it("store: 'pooled' keeps pooled vectors only", async () => {
    const { enc, keys, root, folder } = await filled({ store: 'pooled' });
    const st = await readSafetensors(join(folder, 'shard-00000.safetensors'));
    expect(Object.keys(st.tensors).sort()).toEqual(['keys', 'pooled']);
    const back = await new FeatureCache(root, { store: 'pooled' }).read(enc, keys.slice(0, 2));
    expect('tokens' in back).toBe(false);
    expect(back.shape).toEqual({ n: 2, dim: 24 });
    expect(Array.from(back.pooled)).toEqual(Array.from((await enc.encode(texts.slice(0, 2))).pooled));
  });

  it('average-pools image patches on the grid with patchGrid (6×6 → 3×3) and keeps the pooled vector', async () => {
    const root = tempDir('cache-grid');
    const enc = createImagePatchesEncoder();
    const images = [blankImage(30, 30, [200, 0, 0]), blankImage(10, 20, [0, 90, 255])];
    const keys = [blankImageKey(30, 30, [200, 0, 0]), blankImageKey(10, 20, [0, 90, 255])];
    const feats = await enc.encode(images);
    const cache = new FeatureCache(root, { patchGrid: 3 });
    await cache.put(enc, keys, feats);
    await cache.close();
    const back = (await new FeatureCache(root, { patchGrid: 3 }).read(enc, keys)) as ImageFeatures;
    expect(back.shape).toEqual({ n: 2, patches: 9, dim: 40 });
    expect(back.grid).toEqual({ rows: 3, cols: 3, prefixTokens: 0 });
    // cell (0, 0) is the mean of patches (0,0), (0,1), (1,0), (1,1)
    for (let d = 0; d < 40; d++) {
      const m = [0, 1, 6, 7].reduce((s, p) => s + (feats.patches[p * 40 + d] as number), 0) / 4;
      expect(back.patches[d]).toBeCloseTo(m, 6);
    }
    expect(Array.from(back.pooled)).toEqual(Array.from(feats.pooled));
    const err = await rejectsWithCode(new FeatureCache(root, { patchGrid: 7 }).put(enc, keys, feats), 'INVALID_OPTION');
    expect(err.message).toMatch(/7×7 must be between 1×1 and the encoder's 6×6/);
  });
});

describe('FeatureCache: hits, misses, corruption', () => {
  it('hits on the same content and misses on changed content or another encoder', async () => {
    const { enc, keys, root } = await filled();
    const cache = new FeatureCache(root, quiet);
    expect(await cache.has(enc, [keys[0] as string, textKey(`${texts[0]} (edited)`)])).toEqual([true, false]);
    expect(await cache.has(createTextHashEncoder({ dim: 24, seed: 3 }), [keys[0] as string])).toEqual([false]);
    const [hit, miss] = await cache.get(enc, [keys[1] as string, textKey('never seen')]);
    expect(hit?.kind).toBe('text');
    expect(miss).toBeUndefined();
    const err = await rejectsWithCode(cache.read(enc, [keys[1] as string, textKey('never seen')]), 'CACHE_MISS');
    expect(err.message).toContain('row 1');
  });

  it('detects a flipped byte in a shard (checksum), removes the shard and reports misses', async () => {
    const { enc, keys, root, folder } = await filled();
    const file = join(folder, 'shard-00000.safetensors');
    const bytes = readFileSync(file);
    bytes[bytes.length - 200]! ^= 0x01; // inside the data section
    writeFileSync(file, bytes);
    const warnings: string[] = [];
    const cache = new FeatureCache(root, { onWarning: (m) => warnings.push(m) });
    const got = await cache.get(enc, keys);
    expect(got.slice(0, 5)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(got.slice(5).every((e) => e !== undefined)).toBe(true);
    expect(warnings.join('\n')).toMatch(/shard-00000\.safetensors is corrupt or truncated \(data checksum mismatch\)/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(folder, 'shard-00000.index.json'))).toBe(false);
    expect(await cache.has(enc, keys)).toEqual([false, false, false, false, false, true, true, true, true, true]);
  });

  it('detects truncated shards, damaged headers and corrupt index files', async () => {
    for (const damage of ['truncate', 'header', 'index'] as const) {
      const { enc, keys, root, folder } = await filled();
      const shard = join(folder, 'shard-00001.safetensors');
      const index = join(folder, 'shard-00001.index.json');
      if (damage === 'truncate') writeFileSync(shard, readFileSync(shard).subarray(0, 300));
      if (damage === 'header') {
        const b = readFileSync(shard);
        b[20] = b[20] === 0x41 ? 0x42 : 0x41; // a byte inside the JSON header
        writeFileSync(shard, b);
      }
      if (damage === 'index') writeFileSync(index, '{"format": "mmaux-feature-cache-index", "keys": [');
      const report = await new FeatureCache(root, quiet).verify(enc);
      expect(report.removed.length + (damage === 'index' ? 1 : 0)).toBe(1);
      expect(report.ok).toBe(1);
      expect(await new FeatureCache(root, quiet).has(enc, keys)).toEqual([...Array(5).fill(true), ...Array(5).fill(false)]);
    }
  });

  it('ignores leftovers of an interrupted write and removes them on the next write', async () => {
    const { enc, keys, root, folder } = await filled();
    writeFileSync(join(folder, 'shard-00002.safetensors'), 'half a shard'); // renamed but its index never written
    writeFileSync(join(folder, '.shard-00003.safetensors.999.1.tmp'), 'never renamed');
    const cache = new FeatureCache(root, quiet);
    expect((await cache.stats()).entries).toBe(10);
    await cache.put(enc, [textKey('new one')], await enc.encode(['new one']));
    await cache.flush();
    const names = readdirSync(folder).sort();
    expect(names).not.toContain('.shard-00003.safetensors.999.1.tmp');
    expect(names).toContain('shard-00003.safetensors'); // numbering continues after the leftover
    expect(names).not.toContain('shard-00002.safetensors');
    expect((await new FeatureCache(root, quiet).get(enc, [textKey('new one'), keys[0] as string])).every((e) => e !== undefined)).toBe(true);
  });

  it("takes over a dead process's writer lock and refuses while a live one holds it", async () => {
    const { enc, root, folder } = await filled();
    writeFileSync(join(folder, 'writer.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }));
    const cache = new FeatureCache(root, { ...quiet, lockTimeoutMs: 50 });
    await cache.put(enc, [textKey('after a crash')], await enc.encode(['after a crash']));
    await cache.flush();
    expect(existsSync(join(folder, 'writer.lock'))).toBe(false);
    writeFileSync(join(folder, 'writer.lock'), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname() }));
    await cache.put(enc, [textKey('blocked')], await enc.encode(['blocked']));
    const err = await rejectsWithCode(cache.flush(), 'CACHE_LOCKED');
    expect(err.message).toContain(`process ${process.pid}`);
  });

  it('reports its size per encoder', async () => {
    const { enc, root } = await filled();
    const s = await new FeatureCache(root).stats();
    expect(s.entries).toBe(10);
    expect(s.byEncoder[enc.id]).toMatchObject({ entries: 10, shards: 2, kind: 'text', dtype: 'float32', store: 'tokens' });
    const onDisk = readdirSync(new FeatureCache(root).folderFor(enc)).reduce((t, n) => t + statSync(join(new FeatureCache(root).folderFor(enc), n)).size, 0);
    expect(s.bytes).toBe(onDisk);
    expect(s.summary).toMatch(/1 encoder, 10 entries, \d+(\.\d+)? KiB$/);
  });

  it('serves buffered entries before they are flushed, and rejects malformed input', async () => {
    const cache = new FeatureCache(tempDir('cache-pending'), quiet);
    const enc = createTextHashEncoder({ dim: 4 });
    const f = await enc.encode(['x', 'y']);
    await cache.put(enc, [textKey('x'), textKey('y')], f);
    const [x] = await cache.get(enc, [textKey('x')]);
    expect(maxAbsDiff((x as { pooled: Float32Array }).pooled, f.pooled.subarray(0, 4))).toBe(0);
    await rejectsWithCode(cache.put(enc, [textKey('x')], f), 'INVALID_INPUT');
    await rejectsWithCode(cache.put(enc, ['nothex', 'x'], f), 'INVALID_INPUT');
    await rejectsWithCode(cache.put(createImagePatchesEncoder(), [textKey('x'), textKey('y')], f), 'INVALID_INPUT');
    const file = join(tempDir('cache-io'), 'a-file');
    writeFileSync(file, 'x');
    const blocked = new FeatureCache(join(file, 'cache'), quiet); // its root lies inside a file
    const io = await rejectsWithCode(blocked.put(enc, [textKey('x')], await enc.encode(['x'])), 'CACHE_IO');
    expect(io.message).toContain(join(file, 'cache'));
    expect(() => new FeatureCache('')).toThrow(/root must be a folder path/);
    expect(() => new FeatureCache('/tmp/x', { dtype: 'float64' as 'float32' })).toThrow(/dtype must be one of/);
  });
});
