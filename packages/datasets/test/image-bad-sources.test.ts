// Real-format broken images (truncated JPEG and PNG, a text file named .jpg, an empty file, a
// header over the pixel limit): validateImages finds each the way extraction would, and
// preprocessImages skips or blanks them per onBadImage, naming each.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_IMAGE_KINDS, type BadImageKind, badImageExtension, goodJpeg, goodPng, writeBadImage } from '../../../scripts/test-utils/bad-images.js';
import { IMAGE_RECIPES } from '../src/image/image-recipes.js';
import { preprocessImage } from '../src/image/preprocess-image.js';
import { preprocessImages } from '../src/image/preprocess-images.js';
import { checkDataset, validateImages } from '../src/validate-images.js';
import { expectDatasetError, put, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const PROBLEM: Record<BadImageKind, 'corrupt' | 'oversized'> = {
  'truncated-jpeg': 'corrupt',
  'truncated-png': 'corrupt',
  'renamed-text': 'corrupt',
  'zero-byte': 'corrupt',
  'over-pixel-limit': 'oversized',
};

let dir: string;
let posts: Array<{ id: string; imagePath: string }>;
const recipe = { resize: { mode: 'squash' as const, width: 8, height: 8 }, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };

beforeAll(async () => {
  dir = tempDir('mmaux-bad-sources-');
  posts = [];
  // good, bad, good, bad, … so the bad ones sit between good ones
  for (const [k, kind] of BAD_IMAGE_KINDS.entries()) {
    posts.push({ id: `good-${k}`, imagePath: put(dir, `good-${k}.${k % 2 ? 'png' : 'jpg'}`, k % 2 ? await goodPng(k) : await goodJpeg(k)) });
    const file = join(dir, `${kind}${badImageExtension(kind)}`);
    await writeBadImage(file, kind);
    posts.push({ id: kind, imagePath: file });
  }
});

describe('validateImages on real-format broken files', () => {
  it('the default full decode finds all five; the header probe misses the truncated two', async () => {
    const progress: number[] = [];
    const full = await validateImages(posts, { concurrency: 4, onProgress: (d) => progress.push(d) });
    expect(full.ok).toBe(5);
    expect(full.issues.map((i) => [i.id, i.problem])).toEqual(BAD_IMAGE_KINDS.map((k) => [k, PROBLEM[k]]));
    expect(progress).toHaveLength(10);
    const byId = Object.fromEntries(full.issues.map((i) => [i.id, i.message]));
    expect(byId['truncated-jpeg']).toMatch(/truncated-jpeg\.jpg is corrupt or truncated/);
    expect(byId['truncated-png']).toMatch(/truncated-png\.png is corrupt or truncated/);
    expect(byId['renamed-text']).toMatch(/renamed-text\.jpg \(\d+ bytes, starting 69 64 2c .*\) is not a JPEG, PNG, WebP or GIF file/);
    expect(byId['zero-byte']).toMatch(/zero-byte\.jpg is empty \(0 bytes\)/);
    expect(byId['over-pixel-limit']).toMatch(/over-pixel-limit\.jpg has 20000×20000 = 400000000 pixels, over limitInputPixels = 178956970/);
    const header = await validateImages(posts, { decode: 'header' });
    expect(header.issues.map((i) => i.id)).toEqual(['renamed-text', 'zero-byte', 'over-pixel-limit']);
  });

  it('checkDataset reports them by post id', async () => {
    const file = put(dir, 'm.jsonl', posts.map((p, i) => JSON.stringify({ id: p.id, text: `t${i}`, image: p.imagePath.slice(dir.length + 1), label: 0 })).join('\n'));
    const { images } = await checkDataset('manifest', file);
    expect(images.corrupt).toEqual(['truncated-jpeg', 'truncated-png', 'renamed-text', 'zero-byte']);
    expect(images.oversized).toEqual(['over-pixel-limit']);
  });
});

describe('preprocessImages with bad sources', () => {
  it("skips them by default (listed with index, file and reason) and keeps every good image in order", async () => {
    const batch = await preprocessImages(posts.map((p) => p.imagePath), recipe, { concurrency: 3 });
    expect(batch.count).toBe(5);
    expect(batch.sourceIndex).toEqual([0, 2, 4, 6, 8]);
    expect(batch.issues.map((i) => [i.index, i.source, i.problem, i.action])).toEqual(
      BAD_IMAGE_KINDS.map((k, j) => [2 * j + 1, posts[2 * j + 1]!.imagePath, PROBLEM[k], 'skipped']),
    );
    const per = 3 * 8 * 8;
    for (const [b, i] of batch.sourceIndex.entries()) {
      const one = await preprocessImage(posts[i]!.imagePath, recipe);
      expect(Array.from(batch.data.subarray(b * per, (b + 1) * per))).toEqual(Array.from(one.data));
    }
  });

  it("blanks them with onBadImage: 'blank' (a white image in place) and names bytes by index", async () => {
    const { readFileSync } = await import('node:fs');
    const sources = posts.map((p, i) => (i === 3 ? new Uint8Array(readFileSync(p.imagePath)) : p.imagePath));
    const batch = await preprocessImages(sources, recipe, { onBadImage: 'blank' });
    expect(batch.count).toBe(10);
    expect(batch.issues.map((i) => [i.index, i.action])).toEqual([1, 3, 5, 7, 9].map((i) => [i, 'blanked']));
    expect(batch.issues[1]!.source).toBe('sources[3]');
    expect(batch.issues[1]!.message).toMatch(/image sources\[3\] is corrupt or truncated/);
    expect(batch.issues[1]!.message).not.toContain('<bytes>');
    const per = 3 * 8 * 8;
    expect(Array.from(new Set(batch.data.subarray(per, 2 * per)))).toEqual([1]);
  });

  it("rejects at the first bad one with onBadImage: 'error'", async () => {
    await expectDatasetError(() => preprocessImages(posts.map((p) => p.imagePath), recipe, { onBadImage: 'error', concurrency: 1 }), 'BAD_IMAGE', 'truncated-jpeg.jpg');
  });
});
