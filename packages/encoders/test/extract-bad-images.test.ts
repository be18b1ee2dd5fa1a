// One bad image among good ones costs that post only: extraction skips (or blanks) it, names
// the post, the file and the reason, caches every good image, and after the file is fixed the
// next run encodes only that file. Real-format broken files, written with sharp.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blankImage } from '@mmaux/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { BAD_IMAGE_KINDS, type BadImageKind, badImageExtension, goodJpeg, goodPng, writeBadImage } from '../../../scripts/test-utils/bad-images.js';
import { createImagePatchesEncoder, createTextHashEncoder, extractFeatures, FeatureCache, type ImageFeatures } from '../src/index.js';
import { splitmix32 } from '../src/rng.js';
import { rejectsWithCode, tempDir } from './helpers/util.js';

const quiet = { onWarning: () => {} };
const PROBLEM: Record<BadImageKind, string> = {
  'truncated-jpeg': 'corrupt',
  'truncated-png': 'corrupt',
  'renamed-text': 'corrupt',
  'zero-byte': 'corrupt',
  'over-pixel-limit': 'oversized',
};
const REASON: Record<BadImageKind, RegExp> = {
  'truncated-jpeg': /^image \S+truncated-jpeg\.jpg is corrupt or truncated and cannot be decoded \(sharp: .+\); re-download it or drop the post\.$/,
  'truncated-png': /^image \S+truncated-png\.png is corrupt or truncated and cannot be decoded/,
  'renamed-text': /^image \S+renamed-text\.jpg \(\d+ bytes, starting [0-9a-f ]+\) is not a JPEG, PNG, WebP or GIF file/,
  'zero-byte': /^image \S+zero-byte\.jpg is empty \(0 bytes\)/,
  'over-pixel-limit': /^image \S+over-pixel-limit\.jpg has 20000×20000 = 400000000 pixels, over limitInputPixels = 178956970/,
};

type Post = { id: string; text: string; imagePath: string | null };
const encoders = () => ({ text: createTextHashEncoder({ dim: 16 }), image: createImagePatchesEncoder({ size: 16, grid: 2 }) });

let dir: string;
let posts: Post[];
let badAt: Map<BadImageKind, number>;

beforeAll(async () => {
  dir = tempDir('extract-bad-images');
  // 15 posts: 10 good images (JPEG and PNG), the five bad kinds at seeded random positions.
  const slots = Array.from({ length: 15 }, (_, i) => i);
  const rng = splitmix32(11);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = rng() % (i + 1);
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  badAt = new Map(BAD_IMAGE_KINDS.map((k, n) => [k, slots[n]!]));
  posts = [];
  for (let i = 0; i < 15; i++) {
    const kind = BAD_IMAGE_KINDS.find((k) => badAt.get(k) === i);
    let imagePath: string;
    if (kind) {
      imagePath = join(dir, `${kind}${badImageExtension(kind)}`);
      await writeBadImage(imagePath, kind, i);
    } else {
      imagePath = join(dir, `good-${i}.${i % 2 ? 'png' : 'jpg'}`);
      writeFileSync(imagePath, i % 2 ? await goodPng(i) : await goodJpeg(i));
    }
    posts.push({ id: `p${i}`, text: `post ${i}`, imagePath });
  }
});

describe('extractFeatures with bad images', () => {
  it("skips exactly the bad posts by default, naming post, file and reason, and caches every good one", async () => {
    const cache = new FeatureCache(join(dir, 'cache-skip'), quiet);
    const enc = encoders();
    const s = await extractFeatures(posts, enc, cache, { batchSize: 4 });
    const expected = [...badAt].sort((a, b) => a[1] - b[1]);
    expect(s.badImages.map((b) => [b.id, b.index, b.path, b.problem, b.action])).toEqual(
      expected.map(([kind, i]) => [`p${i}`, i, posts[i]!.imagePath, PROBLEM[kind], 'skipped']),
    );
    for (const [kind, i] of expected) {
      const b = s.badImages.find((x) => x.index === i)!;
      expect(b.reason).toMatch(REASON[kind]);
      expect(b.message).toBe(`extractFeatures: post p${i} (posts[${i}]): ${b.reason} Skipped (onBadImage: 'skip'): the post has no image features; fix the file and run again to encode just it, or pass onBadImage: 'blank'.`);
      expect(b.message).not.toContain('<bytes>');
      expect(s.keys.image![i]).toBeNull();
    }
    expect(s.image).toMatchObject({ cached: 0, computed: 10, skipped: 5, blanked: 0 });
    expect(s.text).toMatchObject({ computed: 15 });
    // the good posts' features are the encoder's own
    const good = posts.filter((_, i) => s.keys.image![i] !== null);
    const back = (await cache.read(enc.image, s.keys.image!.filter((k): k is string => k !== null))) as ImageFeatures;
    const direct = await enc.image.encode(good.map((p) => p.imagePath!));
    expect(Array.from(back.pooled)).toEqual(Array.from(direct.pooled));

    // Fix one file: the next run encodes that image only (and no text).
    const fixed = badAt.get('truncated-png')!;
    writeFileSync(posts[fixed]!.imagePath!, await goodPng(99));
    const again = await extractFeatures(posts, encoders(), new FeatureCache(join(dir, 'cache-skip'), quiet), { batchSize: 4 });
    expect(again.image).toMatchObject({ cached: 10, computed: 1, skipped: 4 });
    expect(again.text).toMatchObject({ cached: 15, computed: 0 });
    expect(again.badImages.map((b) => b.index)).not.toContain(fixed);
    await writeBadImage(posts[fixed]!.imagePath!, 'truncated-png', fixed);
  });

  it("with onBadImage: 'blank' keeps them with the blank image's features and lists them", async () => {
    const cache = new FeatureCache(join(dir, 'cache-blank'), quiet);
    const enc = encoders();
    const s = await extractFeatures(posts, enc, cache, { onBadImage: 'blank', blankImage: { width: 16, height: 16 } });
    expect(s.badImages).toHaveLength(5);
    expect(s.badImages.every((b) => b.action === 'blanked' && b.message.endsWith("Kept with the blank image (onBadImage: 'blank').")));
    const blankKey = s.keys.image![badAt.get('zero-byte')!]!;
    expect(new Set([...badAt.values()].map((i) => s.keys.image![i]))).toEqual(new Set([blankKey]));
    expect(s.image).toMatchObject({ computed: 11, skipped: 0, blanked: 5 });
    const f = await cache.read(enc.image, [blankKey]);
    expect(Array.from(f.pooled)).toEqual(Array.from((await enc.image.encode([blankImage(16, 16)])).pooled));
  });

  it("with onBadImage: 'error' stops at the first bad post, naming it and its file; earlier batches stay cached", async () => {
    const root = join(dir, 'cache-error');
    const first = Math.min(...badAt.values());
    const kind = [...badAt].find(([, i]) => i === first)![0];
    const err = await rejectsWithCode(extractFeatures(posts, encoders(), new FeatureCache(root, quiet), { onBadImage: 'error', batchSize: 1 }), 'BAD_IMAGE');
    expect(err.message).toContain(`extractFeatures: post p${first} (posts[${first}]): image ${posts[first]!.imagePath}`);
    expect(err.message).toMatch(REASON[kind].source.startsWith('^') ? new RegExp(REASON[kind].source.slice(1, 40)) : REASON[kind]);
    const s = await extractFeatures(posts.slice(0, first), encoders(), new FeatureCache(root, quiet));
    expect(s.image).toMatchObject({ computed: 0, cached: first });
  });

  it("uses the image encoder's limitInputPixels (a 32 × 32 image is over 1000)", async () => {
    const image = createImagePatchesEncoder({ size: 16, grid: 2, limitInputPixels: 1000 });
    const s = await extractFeatures(posts.slice(0, 3), { image }, new FeatureCache(join(dir, 'cache-limit'), quiet));
    const good = [0, 1, 2].filter((i) => ![...badAt.values()].includes(i));
    expect(s.badImages.filter((b) => good.includes(b.index)).map((b) => [b.problem, /1024 pixels, over limitInputPixels = 1000/.test(b.reason)])).toEqual(good.map(() => ['oversized', true]));
  });
});
