// Bad input to the image pipeline: each failure is a typed MmauxDatasetError naming the file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { expectDatasetError } from './helpers.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  blankImage,
  centerCropBox,
  DEFAULT_LIMIT_INPUT_PIXELS,
  type DecodedImage,
  decodeImage,
  encodePng,
  IMAGE_RECIPES,
  type ImageRecipe,
  preprocessImage,
  preprocessImages,
  probeImage,
  resizeImage,
  shorterSideResizeSize,
} from '../src/image/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'mmaux-image-errors-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function file(name: string, bytes: Uint8Array | string): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** A PNG that declares `width × height` but holds only its IHDR (enough for the pixel-limit check). */
function headerOnlyPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13 + 8 + 4);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8; // bit depth
  ihdr[17] = 2; // RGB
  // CRC left 0: libpng/spng checks it, but the size is read (and refused) first.
  const idat = Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('IDAT'), deflateSync(Buffer.alloc(4)).subarray(0, 8), Buffer.alloc(4)]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, idat]);
}

const photo = async () =>
  sharp({ create: { width: 256, height: 192, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .toBuffer();

describe('missing and unreadable files', () => {
  it('a missing path is NOT_FOUND and names the file', async () => {
    const p = join(tmp, 'nope', 'T123.jpg');
    const err = await expectDatasetError(() => decodeImage(p), 'NOT_FOUND', p, 'does not exist');
    expect(err.file).toBe(p);
    await expectDatasetError(() => preprocessImage(p, IMAGE_RECIPES.vit), 'NOT_FOUND', p);
    await expectDatasetError(() => decodeImage(''), 'NOT_FOUND', 'empty string');
  });

  it('a directory is NOT_FOUND, an empty file BAD_IMAGE', async () => {
    const d = join(tmp, 'adir.jpg');
    mkdirSync(d);
    await expectDatasetError(() => decodeImage(d), 'NOT_FOUND', 'is a directory');
    const empty = file('empty.jpg', new Uint8Array(0));
    const err = await expectDatasetError(() => decodeImage(empty), 'BAD_IMAGE', empty, '0 bytes');
    expect(err.file).toBe(empty);
  });
});

describe('corrupt, truncated and unsupported images', () => {
  it('a truncated JPEG is BAD_IMAGE naming the file (failOn: error), while the complete one decodes', async () => {
    const jpeg = await photo();
    expect((await decodeImage(jpeg)).width).toBe(256);
    const p = file('T42.jpg', jpeg.subarray(0, Math.floor(jpeg.length * 0.6)));
    const err = await expectDatasetError(() => decodeImage(p), 'BAD_IMAGE', p, 'corrupt or truncated');
    expect(err.file).toBe(p);
    expect(err.cause).toBeInstanceOf(Error);
    await expectDatasetError(() => preprocessImage(p, IMAGE_RECIPES.resnet), 'BAD_IMAGE', p);
  });

  it('a truncated PNG is BAD_IMAGE and names the sourceName of bytes', async () => {
    const noisy = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect((await decodeImage(noisy)).width).toBe(64);
    const err = await expectDatasetError(() => decodeImage(noisy.subarray(0, Math.floor(noisy.length / 2)), { sourceName: 'post 7' }), 'BAD_IMAGE', 'post 7');
    expect(err.file).toBe('post 7');
  });

  it('like PIL, a JPEG cut short but closed by an end-of-image marker decodes (missing rows grey): a libjpeg warning, not an error', async () => {
    const jpeg = await photo();
    const cut = Buffer.concat([jpeg.subarray(0, Math.floor(jpeg.length / 3)), Buffer.from([0xff, 0xd9])]);
    const img = await decodeImage(cut);
    expect([img.width, img.height]).toEqual([256, 192]);
    expect(new Set(img.data.subarray(-256 * 3 * 10))).toEqual(new Set([128]));
    // sharp's own default (failOn: 'warning') would refuse it.
    await expect(sharp(cut, { failOn: 'warning' }).raw().toBuffer()).rejects.toThrow(/premature end/);
  });

  it('bytes that are not JPEG/PNG/WebP/GIF are BAD_IMAGE (SVG and text are refused before sharp sees them)', async () => {
    const svg = file('x.jpg', '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>');
    await expectDatasetError(() => decodeImage(svg), 'BAD_IMAGE', svg, 'not a JPEG, PNG, WebP or GIF');
    await expectDatasetError(() => decodeImage(new TextEncoder().encode('hello world')), 'BAD_IMAGE', '68 65 6c 6c');
    const tiff = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).tiff().toBuffer();
    await expectDatasetError(() => decodeImage(tiff), 'BAD_IMAGE', 'not a JPEG');
  });
});

describe('pixel limit', () => {
  it('the default limit is Pillow’s DecompressionBombError threshold', () => {
    expect(DEFAULT_LIMIT_INPUT_PIXELS).toBe(2 * 89478485);
  });

  it('an image over the default limit is IMAGE_TOO_LARGE, refused from its header', async () => {
    const p = file('bomb.png', headerOnlyPng(20000, 10000)); // 2·10⁸ > 178956970
    const err = await expectDatasetError(() => decodeImage(p), 'IMAGE_TOO_LARGE', p, '20000×10000 = 200000000 pixels', '178956970');
    expect(err.file).toBe(p);
    await expectDatasetError(() => preprocessImage(p, IMAGE_RECIPES.vit), 'IMAGE_TOO_LARGE', p);
  });

  it('limitInputPixels is inclusive: 16 accepts a 4×4 image, 15 refuses it', async () => {
    const png = await encodePng(blankImage(4, 4));
    expect((await decodeImage(png, { limitInputPixels: 16 })).width).toBe(4);
    await expectDatasetError(() => decodeImage(png, { limitInputPixels: 15, sourceName: 'a.png' }), 'IMAGE_TOO_LARGE', 'a.png', '4×4 = 16 pixels', '15');
    await expectDatasetError(() => preprocessImage(png, IMAGE_RECIPES.vit, { limitInputPixels: 15 }), 'IMAGE_TOO_LARGE');
  });

  it('a bad autoOrient is INVALID_OPTION', async () => {
    await expectDatasetError(() => decodeImage(new Uint8Array([1]), { autoOrient: 'yes' as unknown as boolean }), 'INVALID_OPTION', 'autoOrient');
  });

  it('a bad limitInputPixels is INVALID_OPTION', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '100' as unknown as number]) {
      await expectDatasetError(() => decodeImage(new Uint8Array([1]), { limitInputPixels: bad }), 'INVALID_OPTION', 'limitInputPixels');
    }
  });
});

describe('probeImage errors match decodeImage’s', () => {
  it('missing, directory, empty, other format, unreadable header, too large', async () => {
    const missing = join(tmp, 'probe-missing.jpg');
    expect((await expectDatasetError(() => probeImage(missing), 'NOT_FOUND', missing)).file).toBe(missing);
    const d = join(tmp, 'probe-dir');
    mkdirSync(d);
    await expectDatasetError(() => probeImage(d), 'NOT_FOUND', 'is a directory');
    await expectDatasetError(() => probeImage(''), 'NOT_FOUND', 'empty string');
    await expectDatasetError(() => probeImage(file('probe-empty.png', new Uint8Array(0))), 'BAD_IMAGE', '0 bytes');
    await expectDatasetError(() => probeImage(file('probe.svg', '<svg/>')), 'BAD_IMAGE', 'not a JPEG, PNG, WebP or GIF');
    await expectDatasetError(() => probeImage(Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2]), { sourceName: 'x' }), 'BAD_IMAGE', 'header of image x');
    const bomb = file('probe-bomb.png', headerOnlyPng(20000, 10000));
    await expectDatasetError(() => probeImage(bomb), 'IMAGE_TOO_LARGE', bomb, '20000×10000 = 200000000 pixels', '178956970');
    await expectDatasetError(() => probeImage(7 as unknown as string), 'INVALID_OPTION', 'number 7');
    await expectDatasetError(() => probeImage(bomb, { limitInputPixels: 0 }), 'INVALID_OPTION', 'limitInputPixels');
  });

  it('a truncated JPEG passes the header probe; only decoding finds it', async () => {
    const jpeg = await photo();
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    expect(await probeImage(cut)).toMatchObject({ format: 'jpeg', width: 256, height: 192 });
    await expectDatasetError(() => decodeImage(cut), 'BAD_IMAGE');
  });
});

describe('bad arguments', () => {
  it('a source that is neither a path nor bytes is INVALID_OPTION', async () => {
    await expectDatasetError(() => decodeImage(42 as unknown as string), 'INVALID_OPTION', 'number 42');
    await expectDatasetError(() => preprocessImage({ nope: 1 } as unknown as string, IMAGE_RECIPES.vit), 'INVALID_OPTION', 'an object');
  });

  it('an inconsistent DecodedImage is BAD_IMAGE', async () => {
    const short: DecodedImage = { data: new Uint8Array(11), width: 2, height: 2, channels: 3 };
    await expectDatasetError(() => preprocessImage(short, IMAGE_RECIPES.vit), 'BAD_IMAGE', 'needs data of 12 bytes', 'got 11 bytes');
    const rgba = { data: new Uint8Array(16), width: 2, height: 2, channels: 4 } as unknown as DecodedImage;
    await expectDatasetError(() => preprocessImage(rgba, IMAGE_RECIPES.vit), 'BAD_IMAGE', 'channels 3');
    await expectDatasetError(() => encodePng(short), 'BAD_IMAGE');
    await expectDatasetError(() => resizeImage(short, 4, 4), 'BAD_IMAGE');
  });

  it('a bad recipe is INVALID_OPTION naming the field', async () => {
    const img = blankImage(4, 4);
    const base = IMAGE_RECIPES.vit;
    const cases: Array<[ImageRecipe, string]> = [
      [{ ...base, std: [0.5, 0, 0.5] }, 'std must not contain 0'],
      [{ ...base, mean: [0.5, 0.5] as unknown as [number, number, number] }, 'mean must be three finite numbers'],
      [{ ...base, mean: [0.5, Number.NaN, 0.5] }, 'mean must be three finite numbers'],
      [{ ...base, kernel: 'cubic' as 'bicubic' }, 'kernel must be one of bilinear, bicubic, nearest, lanczos3'],
      [{ ...base, resize: { mode: 'squash', width: 0, height: 224 } }, 'resize.width must be a positive integer'],
      [{ ...base, resize: { mode: 'squash', width: 224, height: 22.5 } }, 'resize.height'],
      [{ ...base, resize: { mode: 'fit' } as unknown as ImageRecipe['resize'] }, "resize.mode must be 'squash' or 'shorter-side-center-crop'"],
      [{ ...base, resize: { mode: 'shorter-side-center-crop', shorterSide: 200, cropWidth: 224, cropHeight: 224 } }, 'needs shorterSide ≥ 224'],
    ];
    for (const [recipe, fragment] of cases) await expectDatasetError(() => preprocessImage(img, recipe), 'INVALID_OPTION', 'recipe.', fragment);
    await expectDatasetError(() => preprocessImage(img, undefined as unknown as ImageRecipe), 'INVALID_OPTION', 'recipe');
  });

  it('geometry helpers, blankImage, resizeImage and preprocessImages validate their numbers', async () => {
    await expectDatasetError(() => shorterSideResizeSize(0, 10, 256), 'INVALID_OPTION', 'width');
    await expectDatasetError(() => centerCropBox(100, 256, 224, 224), 'INVALID_OPTION', 'does not fit');
    await expectDatasetError(() => blankImage(0, 2), 'INVALID_OPTION', 'width');
    await expectDatasetError(() => blankImage(2, 2, [0, 256, 0]), 'INVALID_OPTION', 'rgb');
    await expectDatasetError(() => resizeImage(blankImage(2, 2), 3, 0), 'INVALID_OPTION', 'height');
    await expectDatasetError(() => resizeImage(blankImage(2, 2), 3, 3, { kernel: 'box' as 'nearest' }), 'INVALID_OPTION', 'kernel');
    await expectDatasetError(() => preprocessImages([blankImage(2, 2)], IMAGE_RECIPES.vit, { concurrency: 0 }), 'INVALID_OPTION', 'concurrency');
  });

  it("preprocessImages with onBadImage: 'error' rejects with the failing image’s own error", async () => {
    const missing = join(tmp, 'missing.png');
    await expectDatasetError(() => preprocessImages([blankImage(2, 2), missing], IMAGE_RECIPES.vit, { onBadImage: 'error' }), 'NOT_FOUND', missing);
    await expectDatasetError(() => preprocessImages([blankImage(2, 2)], IMAGE_RECIPES.vit, { onBadImage: 'drop' as 'skip' }), 'INVALID_OPTION', 'onBadImage');
    // A malformed DecodedImage is the caller's bug: it rejects whatever the policy.
    const broken = { data: new Uint8Array(5), width: 2, height: 2, channels: 3 as const };
    await expectDatasetError(() => preprocessImages([broken], IMAGE_RECIPES.vit), 'BAD_IMAGE', '12 bytes');
  });
});
