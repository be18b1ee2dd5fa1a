import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { blankImage } from '@mmaux/datasets';
import { describe, expect, it } from 'vitest';
import {
  createImagePatchesEncoder,
  createTextHashEncoder,
  extractFeatures,
  type ExtractProgress,
  FeatureCache,
  type ImageFeatures,
  MmauxEncoderError,
  readFeatures,
  type TextFeatures,
} from '../src/index.js';
import { childPosts, postsWithImages } from './helpers/posts.js';
import { rejectsWithCode, tempDir } from './helpers/util.js';

const quiet = { onWarning: () => {} };
const makeEncoders = () => ({ text: createTextHashEncoder({ dim: 32 }), image: createImagePatchesEncoder({ size: 24, grid: 3 }) });

/** Counts encode calls and inputs. */
function counting<T extends { encode: (x: never[]) => Promise<unknown> }>(enc: T): T & { calls: number; inputs: number } {
  const wrapped = Object.create(enc) as T & { calls: number; inputs: number };
  wrapped.calls = 0;
  wrapped.inputs = 0;
  wrapped.encode = (async (x: never[]) => {
    wrapped.calls++;
    wrapped.inputs += x.length;
    return enc.encode(x);
  }) as T['encode'];
  return wrapped;
}

describe('extractFeatures', () => {
  it('encodes each distinct input once, reports progress with rate and ETA, and ends with the cache size', async () => {
    const dir = tempDir('extract');
    const posts = await postsWithImages(join(dir, 'images'), 12);
    posts.push({ ...posts[0]!, id: 'duplicate-of-0' });
    const text = counting(createTextHashEncoder({ dim: 32 }));
    const image = counting(createImagePatchesEncoder({ size: 24, grid: 3 }));
    const events: ExtractProgress[] = [];
    let t = 0;
    const summary = await extractFeatures(posts, { text, image }, new FeatureCache(join(dir, 'cache'), quiet), {
      batchSize: 5,
      onProgress: (p) => events.push(p),
      now: () => (t += 250), // a fake clock: 250 ms per reading
    });
    expect(events.map((e) => [e.phase, e.done])).toEqual([['extract', 5], ['extract', 10], ['extract', 13], ['done', 13]]);
    expect(events.every((e) => e.total === 13)).toBe(true);
    const first = events[0] as ExtractProgress;
    expect(first.elapsedSeconds).toBeCloseTo(0.25 * 1, 5); // one clock reading since the start... of the batch report
    expect(first.rate).toBeCloseTo(first.done / first.elapsedSeconds, 6);
    expect(first.etaSeconds).toBeCloseTo((13 - 5) / first.rate, 6);
    expect(first.message).toMatch(/^extract 5\/13 posts \(38\.5%\), \d+\.\d posts\/s, ETA \d+s; 0 cached, \d+ computed$/);
    const done = events.at(-1) as ExtractProgress;
    expect(done.etaSeconds).toBe(0);
    expect(done.bytes).toBe(summary.bytes);
    expect(done.message).toContain(summary.sizeLine);
    expect(summary.sizeLine).toMatch(/^cache for these encoders: .* on disk \(builtin:text-hash: .*, builtin:image-patches: .*; ≈ .* per post, ≈ .* for 150,000 posts\) in /);
    // 12 distinct texts; 10 distinct image files + 1 blank image (posts 4 and 9 have none)
    expect(summary.text).toMatchObject({ cached: 0, computed: 12 });
    expect(summary.image).toMatchObject({ cached: 0, computed: 11 });
    expect([text.inputs, image.inputs]).toEqual([12, 11]);
    expect(summary.keys.text![12]).toBe(summary.keys.text![0]);
    expect(summary.keys.image![4]).toBe(summary.keys.image![9]);

    // a second run computes nothing
    const again = await extractFeatures(posts, { text, image }, new FeatureCache(join(dir, 'cache'), quiet));
    expect(again.text).toMatchObject({ cached: 12, computed: 0 });
    expect(again.image).toMatchObject({ cached: 11, computed: 0 });
    expect([text.inputs, image.inputs]).toEqual([12, 11]);
  });

  it('reads back the same features the encoders give (blank image for imagePath null)', async () => {
    const dir = tempDir('extract-read');
    const posts = await postsWithImages(join(dir, 'images'), 6);
    const encoders = makeEncoders();
    const cache = new FeatureCache(join(dir, 'cache'), quiet);
    const summary = await extractFeatures(posts, encoders, cache);
    const got = await readFeatures(posts, encoders, cache);
    const direct = await encoders.text.encode(posts.map((p) => p.text));
    expect(Array.from((got.text as TextFeatures).tokens)).toEqual(Array.from(direct.tokens));
    const images = await encoders.image.encode(posts.map((p) => p.imagePath ?? blankImage(224, 224)));
    expect(Array.from((got.image as ImageFeatures).patches)).toEqual(Array.from(images.patches));
    const byKeys = await cache.read(encoders.image, summary.keys.image as string[]);
    expect(Array.from(byKeys.pooled)).toEqual(Array.from(images.pooled));
  });

  it('misses after an image file changes, and recomputes only that one', async () => {
    const dir = tempDir('extract-change');
    const posts = await postsWithImages(join(dir, 'images'), 6);
    const cache = join(dir, 'cache');
    await extractFeatures(posts, makeEncoders(), new FeatureCache(cache, quiet));
    writeFileSync(posts[1]!.imagePath!, readFileSync(posts[2]!.imagePath!)); // same path, other content
    const image = counting(createImagePatchesEncoder({ size: 24, grid: 3 }));
    const s = await extractFeatures(posts, { image }, new FeatureCache(cache, quiet));
    // post 1 now has post 2's bytes: a key that is already cached
    expect(s.image).toMatchObject({ cached: 5, computed: 0 });
    writeFileSync(posts[1]!.imagePath!, Buffer.concat([readFileSync(posts[2]!.imagePath!), Buffer.from([0])])); // new content
    const s2 = await extractFeatures(posts, { image }, new FeatureCache(cache, quiet));
    expect(s2.image).toMatchObject({ cached: 5, computed: 1 });
    const f = await readFeatures([posts[1]!], { image }, new FeatureCache(cache, quiet));
    expect(Array.from(f.image!.pooled)).toEqual(Array.from((await image.encode([posts[2]!.imagePath!])).pooled));
  });

  it('recomputes a corrupt shard instead of trusting it', async () => {
    const dir = tempDir('extract-corrupt');
    const posts = childPosts();
    const root = join(dir, 'cache');
    const first = await extractFeatures(posts, { text: createTextHashEncoder({ dim: 32 }) }, new FeatureCache(root, { ...quiet, shardBytes: 1 }), { batchSize: 5 });
    const folder = new FeatureCache(root).folderFor(createTextHashEncoder({ dim: 32 }));
    const shard = join(folder, 'shard-00001.safetensors');
    const bytes = readFileSync(shard);
    bytes[bytes.length - 40]! ^= 0xff;
    writeFileSync(shard, bytes);
    const warnings: string[] = [];
    const text = counting(createTextHashEncoder({ dim: 32 }));
    const s = await extractFeatures(posts, { text }, new FeatureCache(root, { onWarning: (m) => warnings.push(m) }));
    expect(warnings).toHaveLength(1);
    expect(s.text!.computed).toBe(5); // the rows of the damaged shard
    expect(s.text!.cached).toBe(first.text!.computed - 5);
    const back = (await new FeatureCache(root, quiet).read(text, s.keys.text!)) as TextFeatures;
    expect(Array.from(back.pooled)).toEqual(Array.from((await text.encode(posts.map((p) => p.text))).pooled));
  });

  it('resumes after onProgress throws: finished batches are kept and skipped next time', async () => {
    const root = tempDir('extract-resume');
    const posts = childPosts();
    const stop = new Error('stop after two batches');
    let batches = 0;
    await expect(
      extractFeatures(posts, makeEncoders(), new FeatureCache(root, quiet), {
        batchSize: 4,
        onProgress: () => {
          if (++batches === 2) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    const encoders = { text: counting(createTextHashEncoder({ dim: 32 })), image: counting(createImagePatchesEncoder({ size: 24, grid: 3 })) };
    const s = await extractFeatures(posts, encoders, new FeatureCache(root, quiet), { batchSize: 4 });
    expect(s.text).toMatchObject({ cached: 8, computed: 10 }); // 18 distinct texts, 8 in the first two batches
    expect(s.image).toMatchObject({ cached: 1, computed: 0 });
  });

  it('stops on an aborted signal with ABORTED, keeping what was done', async () => {
    const root = tempDir('extract-abort');
    const controller = new AbortController();
    const err = await rejectsWithCode(
      extractFeatures(childPosts(), makeEncoders(), new FeatureCache(root, quiet), {
        batchSize: 4,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done === 12) controller.abort();
        },
      }),
      'ABORTED',
    );
    expect(err.message).toContain('after 12 of 20 posts');
    expect((await new FeatureCache(root).stats()).entries).toBe(12 + 1);
  });

  it('resumes after the process is killed (SIGKILL) in the middle of an extraction', () => {
    const root = tempDir('extract-kill');
    const child = fileURLToPath(new URL('./helpers/extract-child.ts', import.meta.url));
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const killed = spawnSync(process.execPath, ['--import', 'tsx', child, root, '3'], { cwd, encoding: 'utf8' });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).not.toContain('finished');
    return (async () => {
      const cache = new FeatureCache(root, { ...quiet, dtype: 'float16' });
      const encoders = { text: counting(createTextHashEncoder({ dim: 32 })), image: counting(createImagePatchesEncoder({ size: 24, grid: 3 })) };
      // every shard the child renamed has its index, or is ignored; nothing half-written is trusted
      expect((await cache.verify()).removed).toEqual([]);
      const s = await extractFeatures(childPosts(), encoders, cache, { batchSize: 4 });
      expect(s.text).toMatchObject({ cached: 12, computed: 6 }); // 3 batches of 4 were written before the kill
      expect(s.image).toMatchObject({ cached: 1, computed: 0 });
      const folder = cache.folderFor(encoders.text);
      expect(readdirSync(folder).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      const back = (await cache.read(encoders.text, s.keys.text!)) as TextFeatures;
      const direct = await encoders.text.encode(childPosts().map((p) => p.text));
      let worst = 0;
      direct.pooled.forEach((v, i) => (worst = Math.max(worst, Math.abs((back.pooled[i] as number) - v))));
      expect(worst).toBeLessThan(1e-3);
    })();
  });

  it('names the post of a missing image and checks its arguments', async () => {
    const root = tempDir('extract-bad');
    const cache = new FeatureCache(root, quiet);
    const gone = [{ id: 'tweet-42', text: 'x', imagePath: join(root, 'gone.jpg') }];
    const err = await rejectsWithCode(extractFeatures(gone, makeEncoders(), cache, { onBadImage: 'error' }), 'BAD_IMAGE');
    expect(err.message).toMatch(/post tweet-42 \(posts\[0\]\): image file .*gone\.jpg does not exist; .*onBadImage: 'error' stops at the first/);
    const skipped = await extractFeatures(gone, makeEncoders(), cache);
    expect(skipped.badImages.map((b) => [b.id, b.problem, b.action])).toEqual([['tweet-42', 'missing', 'skipped']]);
    await rejectsWithCode(extractFeatures(gone, makeEncoders(), cache, { onBadImage: 'ignore' as 'skip' }), 'INVALID_OPTION');
    await rejectsWithCode(extractFeatures([{ id: 'a', text: 5 as unknown as string, imagePath: null }], makeEncoders(), cache), 'INVALID_INPUT');
    await rejectsWithCode(extractFeatures([], {}, cache), 'INVALID_OPTION');
    await expect(extractFeatures([], { text: createImagePatchesEncoder() as never }, cache)).rejects.toBeInstanceOf(MmauxEncoderError);
    const empty = await extractFeatures([], makeEncoders(), cache);
    expect([empty.posts, empty.text?.computed]).toEqual([0, 0]);
  });
});
