import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MmauxDatasetError } from '../src/errors.js';
import { checkDataset, validateImages } from '../src/validate-images.js';
import { jpegOf, put, removeTempDirs, tempDir, tinyJpeg } from './helpers.js';

afterAll(removeTempDirs);

let dir: string;
let posts: Array<{ id: string; imagePath: string | null }>;

beforeAll(async () => {
  dir = tempDir('mmaux-validate-');
  const big = await jpegOf(300, 200);
  put(dir, 'ok.jpg', await tinyJpeg());
  put(dir, 'big.jpg', big);
  put(dir, 'garbage.jpg', 'this is not an image');
  put(dir, 'header-cut.jpg', (await tinyJpeg()).subarray(0, 20));
  // The header is whole, the pixel data is cut: only a full decode notices.
  put(dir, 'tail-cut.jpg', big.subarray(0, big.length - 40));
  posts = [
    { id: 'ok', imagePath: join(dir, 'ok.jpg') },
    { id: 'big', imagePath: join(dir, 'big.jpg') },
    { id: 'garbage', imagePath: join(dir, 'garbage.jpg') },
    { id: 'header-cut', imagePath: join(dir, 'header-cut.jpg') },
    { id: 'tail-cut', imagePath: join(dir, 'tail-cut.jpg') },
    { id: 'gone', imagePath: join(dir, 'gone.jpg') },
    { id: 'text-only', imagePath: null },
  ];
});

describe('validateImages', () => {
  it('reads headers: finds missing, corrupt and oversized images', async () => {
    const progress: number[] = [];
    const v = await validateImages(posts, { limitInputPixels: 50_000, concurrency: 3, decode: 'header', onProgress: (done) => progress.push(done) });
    // big.jpg and tail-cut.jpg are both 300 × 200 = 60,000 pixels.
    expect(v).toMatchObject({ checked: 6, ok: 1, withoutImage: 1, missing: ['gone'], corrupt: ['garbage', 'header-cut'], oversized: ['big', 'tail-cut'] });
    expect(v.issues.map((i) => [i.id, i.problem])).toEqual([
      ['big', 'oversized'],
      ['garbage', 'corrupt'],
      ['header-cut', 'corrupt'],
      ['tail-cut', 'oversized'],
      ['gone', 'missing'],
    ]);
    expect(v.issues[0]!.message).toMatch(/big\.jpg has 300×200 = 60000 pixels, over limitInputPixels = 50000/);
    expect(v.issues[1]!.message).toMatch(/garbage\.jpg .* is not a JPEG, PNG, WebP or GIF file/);
    expect(v.issues[4]!.message).toMatch(/gone\.jpg does not exist/);
    expect(v.issues[1]!.path).toBe(join(dir, 'garbage.jpg'));
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("decode: 'full' (the default) also finds a truncated image whose header is intact", async () => {
    const header = await validateImages(posts, { decode: 'header' });
    expect(header.corrupt).toEqual(['garbage', 'header-cut']);
    const full = await validateImages(posts, { decode: 'full' });
    expect(full.corrupt).toEqual(['garbage', 'header-cut', 'tail-cut']);
    expect((await validateImages(posts)).corrupt).toEqual(full.corrupt);
    // sharp's own wording varies under concurrent decodes ("premature end", "Unknown error").
    expect(full.issues.find((i) => i.id === 'tail-cut')!.message).toMatch(/tail-cut\.jpg is corrupt or truncated/);
    expect(full.oversized).toEqual([]);
  });

  it('checks its options', async () => {
    await expect(validateImages(posts, { concurrency: 0 })).rejects.toBeInstanceOf(MmauxDatasetError);
    await expect(validateImages(posts, { limitInputPixels: -1 })).rejects.toThrow(/limitInputPixels must be a positive integer/);
    await expect(validateImages(posts, { decode: 'deep' as 'full' })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});

describe('checkDataset', () => {
  it('loads lazily, then validates the kept posts', async () => {
    const file = put(dir, 'm.jsonl', ['{"id":"1","text":"a","image":"ok.jpg","label":0}', '{"id":"2","text":"b","image":"tail-cut.jpg","label":1}'].join('\n'));
    const { dataset, images } = await checkDataset('manifest', file);
    expect(dataset.report.kept).toBe(2);
    expect(images.corrupt).toEqual(['2']);
  });
});
