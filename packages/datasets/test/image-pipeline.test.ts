// The image pipeline against hand-computed pixels. Fixtures are built here: PNGs by a small
// independent encoder (so colour types, bit depths and alpha are exactly what the test says),
// JPEG/GIF/WebP by sharp, EXIF segments by hand.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import {
  blankImage,
  centerCropBox,
  decodeImage,
  IMAGE_RECIPES,
  type ImageRecipe,
  preprocessImage,
  preprocessImages,
  probeImage,
  resizeImage,
  shorterSideResizeSize,
  sniffImageFormat,
} from '../src/image/index.js';

// ---------------------------------------------------------------- fixtures
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}
/** A PNG from unfiltered samples (`samples` per row = width · channels, 8 or 16 bits each). */
function png(o: { width: number; height: number; colorType: 0 | 2 | 3 | 4 | 6; samples: number[]; bitDepth?: 8 | 16; palette?: number[] }): Buffer {
  const depth = o.bitDepth ?? 8;
  const perPixel = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[o.colorType];
  const bytesPerSample = depth / 8;
  const rowBytes = o.width * perPixel * bytesPerSample;
  const raw = Buffer.alloc(o.height * (rowBytes + 1));
  for (let y = 0; y < o.height; y++) {
    raw[y * (rowBytes + 1)] = 0; // filter: none
    for (let i = 0; i < o.width * perPixel; i++) {
      const v = o.samples[y * o.width * perPixel + i] as number;
      const at = y * (rowBytes + 1) + 1 + i * bytesPerSample;
      if (depth === 16) raw.writeUInt16BE(v, at);
      else raw[at] = v;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(o.width, 0);
  ihdr.writeUInt32BE(o.height, 4);
  ihdr[8] = depth;
  ihdr[9] = o.colorType;
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr)];
  if (o.palette) parts.push(chunk('PLTE', Buffer.from(o.palette)));
  parts.push(chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}
/** An EXIF APP1 segment holding only the Orientation tag (big-endian TIFF). */
function withExifOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length + 2, 0);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), len, body, jpeg.subarray(2)]);
}
/** RGB bytes from a per-pixel function. */
function pixels(width: number, height: number, f: (x: number, y: number) => [number, number, number]): number[] {
  const out: number[] = [];
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.push(...f(x, y));
  return out;
}
const RED: [number, number, number] = [255, 0, 0];
const GREEN: [number, number, number] = [0, 255, 0];
const BLUE: [number, number, number] = [0, 0, 255];
const WHITE: [number, number, number] = [255, 255, 255];
/** 2×2: red green / blue white. */
const QUAD = png({ width: 2, height: 2, colorType: 2, samples: [...RED, ...GREEN, ...BLUE, ...WHITE] });

const tmp = mkdtempSync(join(tmpdir(), 'mmaux-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
function file(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}
const f32 = (x: number) => Math.fround(x);
/** Bit-identical float arrays (vitest's deep equality is slow on 150k elements). */
const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
function expectSameFloats(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  expect(bytesOf(a).equals(bytesOf(b))).toBe(true);
}
const norm = (v: number, mean: number, std: number) => f32((v / 255 - mean) / std);

// ---------------------------------------------------------------- decode
describe('decodeImage', () => {
  it('decodes an RGB PNG to exact HWC bytes, from a path or from bytes', async () => {
    const expected = [...RED, ...GREEN, ...BLUE, ...WHITE];
    const fromBytes = await decodeImage(QUAD);
    expect(fromBytes).toMatchObject({ width: 2, height: 2, channels: 3 });
    expect(fromBytes.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(fromBytes.data)).toEqual(expected);
    expect(Array.from((await decodeImage(file('quad.png', QUAD))).data)).toEqual(expected);
  });

  it('recognises the format from the bytes, not the file name', async () => {
    const p = file('really-a-png.jpg', QUAD);
    expect(Array.from((await decodeImage(p)).data)).toEqual([...RED, ...GREEN, ...BLUE, ...WHITE]);
    expect(sniffImageFormat(QUAD)).toBe('png');
  });

  it('drops alpha (RGBA PNG): RGB kept as stored, even under a fully transparent pixel — like PIL convert("RGB")', async () => {
    const rgba = png({ width: 2, height: 1, colorType: 6, samples: [10, 20, 30, 0, 200, 100, 50, 128] });
    const img = await decodeImage(rgba);
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual([10, 20, 30, 200, 100, 50]);
  });

  it('grayscale and grayscale+alpha become RGB with R = G = B', async () => {
    const gray = await decodeImage(png({ width: 4, height: 1, colorType: 0, samples: [0, 85, 170, 255] }));
    expect(Array.from(gray.data)).toEqual([0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255]);
    const grayAlpha = await decodeImage(png({ width: 2, height: 1, colorType: 4, samples: [40, 0, 220, 255] }));
    expect(Array.from(grayAlpha.data)).toEqual([40, 40, 40, 220, 220, 220]);
  });

  it('palette PNGs expand to their palette colours; 16-bit PNGs become 8-bit', async () => {
    const pal = await decodeImage(png({ width: 3, height: 1, colorType: 3, samples: [2, 0, 1], palette: [1, 2, 3, 40, 50, 60, 250, 128, 7] }));
    expect(Array.from(pal.data)).toEqual([250, 128, 7, 1, 2, 3, 40, 50, 60]);
    const deep = await decodeImage(png({ width: 2, height: 1, colorType: 2, bitDepth: 16, samples: [0xffff, 0x8080, 0, 0x0000, 0x4040, 0xffff] }));
    expect(Array.from(deep.data)).toEqual([255, 128, 0, 0, 64, 255]);
  });

  it('honours an embedded ICC profile (a Display P3 PNG of sRGB red decodes to sRGB red; its raw samples are not)', async () => {
    const p3 = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 255, g: 0, b: 0 } } }).withIccProfile('p3').png().toBuffer();
    const stored = await sharp(p3, { ignoreIcc: true }).raw().toBuffer();
    expect(Array.from(stored.subarray(0, 3))).not.toEqual([255, 0, 0]); // what PIL's convert('RGB') would return
    expect(Array.from((await decodeImage(p3)).data.subarray(0, 3))).toEqual([255, 0, 0]);
  });

  it('applies EXIF orientation: 6 turns a 16×8 red|blue JPEG into 8×16 red-over-blue; 3 turns it round; 1 keeps it', async () => {
    const base = await sharp(Buffer.from(pixels(16, 8, (x) => (x < 8 ? RED : BLUE))), { raw: { width: 16, height: 8, channels: 3 } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer();
    const redish = (d: Uint8Array, i: number) => (d[i] as number) > 200 && (d[i + 2] as number) < 60;
    const blueish = (d: Uint8Array, i: number) => (d[i + 2] as number) > 200 && (d[i] as number) < 60;

    const six = await decodeImage(withExifOrientation(base, 6));
    expect([six.width, six.height]).toEqual([8, 16]);
    expect(redish(six.data, (2 * 8 + 4) * 3)).toBe(true); // (x 4, y 2): top
    expect(blueish(six.data, (13 * 8 + 4) * 3)).toBe(true); // (x 4, y 13): bottom

    const three = await decodeImage(withExifOrientation(base, 3));
    expect([three.width, three.height]).toEqual([16, 8]);
    expect(blueish(three.data, (4 * 16 + 2) * 3)).toBe(true); // left is now blue
    expect(redish(three.data, (4 * 16 + 13) * 3)).toBe(true);

    const raw = await decodeImage(withExifOrientation(base, 6), { autoOrient: false }); // PIL Image.open's view
    expect([raw.width, raw.height]).toEqual([16, 8]);
    expect(redish(raw.data, (4 * 16 + 2) * 3)).toBe(true);

    const one = await decodeImage(withExifOrientation(base, 1));
    expect([one.width, one.height]).toEqual([16, 8]);
    expect(redish(one.data, (4 * 16 + 2) * 3)).toBe(true);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frames = pixels(4, 8, (_x, y) => (y < 4 ? RED : GREEN)); // frame 0 red, frame 1 green
    const gif = await sharp(Buffer.from(frames), { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).gif().toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2); // the fixture really is animated
    const img = await decodeImage(gif);
    expect([img.width, img.height]).toEqual([4, 4]);
    expect(Array.from(img.data)).toEqual(pixels(4, 4, () => RED));
  });

  it('decodes lossless WebP exactly and lossy JPEG closely', async () => {
    const src = pixels(3, 2, (x, y) => [x * 80, y * 200, 33]);
    const webp = await sharp(Buffer.from(src), { raw: { width: 3, height: 2, channels: 3 } }).webp({ lossless: true }).toBuffer();
    expect(sniffImageFormat(webp)).toBe('webp');
    expect(Array.from((await decodeImage(webp)).data)).toEqual(src);
    const jpeg = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 51, g: 102, b: 204 } } }).jpeg({ quality: 95 }).toBuffer();
    const img = await decodeImage(jpeg);
    for (let i = 0; i < img.data.length; i += 3) {
      expect(Math.abs((img.data[i] as number) - 51)).toBeLessThanOrEqual(2);
      expect(Math.abs((img.data[i + 2] as number) - 204)).toBeLessThanOrEqual(2);
    }
  });
});

describe('probeImage', () => {
  it('reads format and displayed size from the header, as decodeImage would see them', async () => {
    expect(await probeImage(file('probe.png', QUAD))).toEqual({ format: 'png', width: 2, height: 2, pages: 1, hasAlpha: false });
    const rgba = png({ width: 3, height: 1, colorType: 6, samples: Array.from({ length: 12 }, () => 9) });
    expect(await probeImage(rgba)).toMatchObject({ width: 3, height: 1, hasAlpha: true });
    const jpeg = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#123456' } }).jpeg().toBuffer();
    expect(await probeImage(withExifOrientation(jpeg, 6))).toMatchObject({ format: 'jpeg', width: 8, height: 16 });
    expect(await probeImage(withExifOrientation(jpeg, 6), { autoOrient: false })).toMatchObject({ width: 16, height: 8 });
    const gif = await sharp(Buffer.from(pixels(4, 8, (_x, y) => (y < 4 ? RED : GREEN))), { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).gif().toBuffer();
    expect(await probeImage(gif)).toMatchObject({ format: 'gif', width: 4, height: 4, pages: 2 });
  });
});

// ---------------------------------------------------------------- geometry
describe('torchvision geometry', () => {
  it('Resize(256) keeps the aspect ratio with int() truncation', () => {
    expect(shorterSideResizeSize(640, 480, 256)).toEqual({ width: 341, height: 256 }); // 256·640/480 = 341.33
    expect(shorterSideResizeSize(480, 640, 256)).toEqual({ width: 256, height: 341 });
    expect(shorterSideResizeSize(1000, 1000, 256)).toEqual({ width: 256, height: 256 });
    expect(shorterSideResizeSize(3, 2, 256)).toEqual({ width: 384, height: 256 });
    expect(shorterSideResizeSize(1023, 767, 256)).toEqual({ width: Math.trunc((256 * 1023) / 767), height: 256 });
  });

  it('CenterCrop rounds half margins to even like Python round()', () => {
    expect(centerCropBox(256, 256, 224, 224)).toEqual({ left: 16, top: 16, width: 224, height: 224 });
    expect(centerCropBox(341, 256, 224, 224).left).toBe(58); // 58.5 → 58
    expect(centerCropBox(343, 256, 224, 224).left).toBe(60); // 59.5 → 60
    expect(centerCropBox(256, 342, 224, 224).top).toBe(59);
    expect(centerCropBox(225, 225, 224, 224)).toMatchObject({ left: 0, top: 0 }); // 0.5 → 0
  });
});

// ---------------------------------------------------------------- preprocess
const squash = (width: number, height: number, extra: Partial<ImageRecipe> = {}): ImageRecipe => ({
  resize: { mode: 'squash', width, height },
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  ...extra,
});

describe('preprocessImage', () => {
  it('normalises (x/255 − 0.5)/0.5 into CHW planes (no-op resize: exact)', async () => {
    const out = await preprocessImage(QUAD, squash(2, 2));
    expect([out.channels, out.height, out.width]).toEqual([3, 2, 2]);
    expect(out.data).toBeInstanceOf(Float32Array);
    // pixels: red green / blue white
    expect(Array.from(out.data)).toEqual([
      1, -1, -1, 1, // R plane
      -1, 1, -1, 1, // G plane
      -1, -1, 1, 1, // B plane
    ]);
  });

  it('uses each channel’s own mean and std (MMBT statistics)', async () => {
    const img = png({ width: 2, height: 1, colorType: 2, samples: [51, 102, 204, 0, 128, 255] });
    const { mean, std } = IMAGE_RECIPES.resnet;
    const out = await preprocessImage(img, { resize: { mode: 'squash', width: 2, height: 1 }, mean, std });
    const expected = [
      norm(51, mean[0], std[0]), norm(0, mean[0], std[0]),
      norm(102, mean[1], std[1]), norm(128, mean[1], std[1]),
      norm(204, mean[2], std[2]), norm(255, mean[2], std[2]),
    ];
    expect(Array.from(out.data)).toEqual(expected);
    expect(out.data[0]).toBeCloseTo((0.2 - 0.46777044) / 0.12221994, 6);
  });

  it('nearest upsampling 2×2 → 4×4 replicates each pixel into a 2×2 block', async () => {
    const out = await preprocessImage(QUAD, squash(4, 4, { kernel: 'nearest' }));
    const r = Array.from(out.data.subarray(0, 16));
    expect(r).toEqual([1, 1, -1, -1, 1, 1, -1, -1, -1, -1, 1, 1, -1, -1, 1, 1]);
    const b = Array.from(out.data.subarray(32, 48));
    expect(b).toEqual([-1, -1, -1, -1, -1, -1, -1, -1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('ViT recipe: any size squashed to 224×224; a uniform image stays exactly uniform', async () => {
    const p = file('uniform.png', png({ width: 300, height: 200, colorType: 2, samples: pixels(300, 200, () => [51, 102, 204]) }));
    const out = await preprocessImage(p, IMAGE_RECIPES.vit);
    expect([out.height, out.width]).toEqual([224, 224]);
    const plane = 224 * 224;
    const want = [f32(-0.6), f32(-0.2), f32(0.6)];
    for (let c = 0; c < 3; c++) {
      const values = new Set(out.data.subarray(c * plane, (c + 1) * plane));
      expect([...values]).toEqual([want[c]]);
    }
  });

  it('ImageNet and raw224 recipes: uniform images give (v/255 − mean)/std exactly', async () => {
    const img = blankImage(50, 70, [255, 0, 128]);
    const net = await preprocessImage(img, IMAGE_RECIPES.imagenet);
    const plane = 224 * 224;
    expect(net.data[0]).toBe(norm(255, 0.485, 0.229));
    expect(net.data[plane + 1234]).toBe(norm(0, 0.456, 0.224));
    expect(net.data[2 * plane + plane - 1]).toBe(norm(128, 0.406, 0.225));
    const raw = await preprocessImage(img, IMAGE_RECIPES.raw224);
    expect([raw.data[0], raw.data[plane], raw.data[2 * plane]]).toEqual([1, 0, f32(128 / 255)]);
  });

  it('ResNet recipe, no resize needed: 341×256 is centre-cropped at left 58, top 16', async () => {
    const f = (x: number, y: number): [number, number, number] => [x & 255, y, (x * 7 + y * 3) & 255];
    const src = blankImage(341, 256);
    src.data.set(pixels(341, 256, f));
    const { mean, std } = IMAGE_RECIPES.resnet;
    const out = await preprocessImage(src, IMAGE_RECIPES.resnet);
    expect([out.height, out.width]).toEqual([224, 224]);
    const plane = 224 * 224;
    for (const [x, y] of [[0, 0], [223, 0], [0, 223], [223, 223], [100, 57]] as const) {
      const v = f(x + 58, y + 16);
      for (let c = 0; c < 3; c++) expect(out.data[c * plane + y * 224 + x]).toBe(norm(v[c] as number, mean[c] as number, std[c] as number));
    }
  });

  it('ResNet geometry with a real resize: 171×128 → nearest ×2 → 342×256 → crop left 59, top 16; portrait too', async () => {
    const f = (x: number, y: number): [number, number, number] => [x, y, (x + y) & 255];
    const recipe: ImageRecipe = { ...IMAGE_RECIPES.resnet, mean: [0, 0, 0], std: [1, 1, 1], kernel: 'nearest' };
    const land = png({ width: 171, height: 128, colorType: 2, samples: pixels(171, 128, f) });
    const out = await preprocessImage(land, recipe);
    const plane = 224 * 224;
    for (let y = 0; y < 224; y += 17) {
      for (let x = 0; x < 224; x += 13) {
        const v = f(Math.floor((x + 59) / 2), Math.floor((y + 16) / 2));
        expect([0, 1, 2].map((c) => Math.round((out.data[c * plane + y * 224 + x] as number) * 255))).toEqual(v);
      }
    }
    // Portrait 128×171: 256×342, crop left 16, top 59.
    const port = png({ width: 128, height: 171, colorType: 2, samples: pixels(128, 171, f) });
    const out2 = await preprocessImage(port, recipe);
    for (const [x, y] of [[0, 0], [223, 223], [37, 150]] as const) {
      const v = f(Math.floor((x + 16) / 2), Math.floor((y + 59) / 2));
      expect([0, 1, 2].map((c) => Math.round((out2.data[c * plane + y * 224 + x] as number) * 255))).toEqual(v);
    }
  });

  it('bilinear downscaling of a linear ramp stays a ramp (within 1/255) and monotonic', async () => {
    const ramp = blankImage(448, 8);
    ramp.data.set(pixels(448, 8, (x) => [Math.floor(x / 448 * 256), 0, 0]));
    const out = await preprocessImage(ramp, { resize: { mode: 'squash', width: 224, height: 4 }, mean: [0, 0, 0], std: [1, 1, 1] });
    const row = Array.from(out.data.subarray(0, 224), (v) => v * 255);
    for (let x = 1; x < 224; x++) expect(row[x]).toBeGreaterThanOrEqual(row[x - 1] as number);
    for (let x = 2; x < 222; x++) {
      const exact = (Math.floor((2 * x) / 448 * 256) + Math.floor((2 * x + 1) / 448 * 256)) / 2;
      expect(Math.abs((row[x] as number) - exact)).toBeLessThanOrEqual(1);
    }
  });

  it('EXIF orientation carries through to the model input', async () => {
    const base = await sharp(Buffer.from(pixels(16, 8, (x) => (x < 8 ? RED : BLUE))), { raw: { width: 16, height: 8, channels: 3 } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer();
    const out = await preprocessImage(withExifOrientation(base, 6), squash(8, 16));
    expect(out.data[2 * 8 + 4]).toBeGreaterThan(0.9); // R at top
    expect(out.data[13 * 8 + 4]).toBeLessThan(-0.9); // no R at bottom
  });

  it('a path, its bytes and its decoded pixels give identical results', async () => {
    const bytes = png({ width: 37, height: 23, colorType: 2, samples: pixels(37, 23, (x, y) => [x * 6, y * 11, (x * y) & 255]) });
    const p = file('small.png', bytes);
    const a = await preprocessImage(p, IMAGE_RECIPES.resnet);
    const b = await preprocessImage(bytes, IMAGE_RECIPES.resnet);
    const c = await preprocessImage(await decodeImage(bytes), IMAGE_RECIPES.resnet);
    expectSameFloats(b.data, a.data);
    expectSameFloats(c.data, a.data);
  });

  it('blankImage through ViT gives +1 (white) everywhere', async () => {
    const out = await preprocessImage(blankImage(10, 10), IMAGE_RECIPES.vit);
    expect(new Set(out.data)).toEqual(new Set([1]));
  });
});

describe('resizeImage', () => {
  it('returns the same image for a no-op size and resizes otherwise', async () => {
    const img = await decodeImage(QUAD);
    expect(await resizeImage(img, 2, 2)).toBe(img);
    const up = await resizeImage(img, 4, 2, { kernel: 'nearest' });
    expect(Array.from(up.data.subarray(0, 12))).toEqual([...RED, ...RED, ...GREEN, ...GREEN]);
  });
});

describe('preprocessImages', () => {
  it('stacks NCHW in input order, whatever the concurrency, and reports progress', async () => {
    const sources = [
      QUAD,
      blankImage(9, 5, [0, 0, 0]),
      file('b.png', png({ width: 5, height: 9, colorType: 0, samples: Array.from({ length: 45 }, (_, i) => i * 5) })),
      blankImage(3, 3, [255, 255, 255]),
    ];
    const progress: number[] = [];
    const batch = await preprocessImages(sources, IMAGE_RECIPES.vit, { concurrency: 3, onProgress: (d) => progress.push(d) });
    expect([batch.count, batch.channels, batch.height, batch.width]).toEqual([4, 3, 224, 224]);
    expect(progress).toEqual([1, 2, 3, 4]);
    const per = 3 * 224 * 224;
    for (let i = 0; i < sources.length; i++) {
      const one = await preprocessImage(sources[i]!, IMAGE_RECIPES.vit);
      expectSameFloats(batch.data.subarray(i * per, (i + 1) * per), one.data);
    }
    const serial = await preprocessImages(sources, IMAGE_RECIPES.vit, { concurrency: 1 });
    expectSameFloats(serial.data, batch.data);
    expect((await preprocessImages([], IMAGE_RECIPES.vit)).count).toBe(0);
  });
});
