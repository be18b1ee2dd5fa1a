import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { blankImage, type DecodedImage, encodePng, MmauxDatasetError } from '@mmaux/datasets';
import { describe, expect, it } from 'vitest';
import { createImageEncoder, createImagePatchesEncoder, imagePatchesDim, MmauxEncoderError } from '../src/index.js';
import { cosine, tempDir } from './helpers/util.js';

/** A deterministic test picture: a diagonal colour ramp with a bright square. */
function picture(width: number, height: number, shift = 0, square = true): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const inSquare = square && x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2;
      data[i] = inSquare ? 250 : (x * 255) / width;
      data[i + 1] = inSquare ? 250 : (y * 255) / height;
      data[i + 2] = Math.min(255, 60 + shift);
    }
  }
  return { data, width, height, channels: 3 };
}

/** Vertical stripes: strong horizontal gradients only. */
function stripes(width: number, height: number, period: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(Math.floor(x / period) % 2 ? 255 : 0, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { data, width, height, channels: 3 };
}

describe('builtin:image-patches', () => {
  it('has the documented size and layout', async () => {
    const enc = createImagePatchesEncoder();
    expect([enc.dim, enc.patches]).toEqual([40, 36]);
    expect(enc.grid).toEqual({ rows: 6, cols: 6, prefixTokens: 0 });
    expect(imagePatchesDim(8, 9)).toBe(40);
    const f = await enc.encode([picture(120, 80), blankImage(7, 9, [10, 20, 30])]);
    expect(f.shape).toEqual({ n: 2, patches: 36, dim: 40 });
    expect(f.patches.length).toBe(2 * 36 * 40);
    // pooled = mean of the patches
    for (let j = 0; j < 40; j++) {
      let mean = 0;
      for (let p = 0; p < 36; p++) mean += (f.patches[p * 40 + j] as number) / 36;
      expect(f.pooled[j]).toBeCloseTo(mean, 5);
    }
  });

  it('describes a uniform image exactly: one histogram bin, the colour as mean, zero std and gradient', async () => {
    const f = await createImagePatchesEncoder({ size: 16, grid: 2 }).encode([blankImage(5, 5, [255, 128, 0])]);
    const patch = Array.from(f.patches.subarray(0, 40));
    const hist = patch.slice(0, 24);
    // 255 → bin 7 (clamped), 0 → bin 0; 128 sits at 128/255·8 − ½ = 3.516 between the centres of bins 3 and 4
    const g = (128 / 255) * 8 - 0.5;
    const expected = new Array(24).fill(0);
    expected[7] = 1;
    expected[8 + 3] = 4 - g;
    expected[8 + 4] = g - 3;
    expected[16] = 1;
    hist.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
    expect(patch.slice(24, 27).map((v) => +v.toFixed(4))).toEqual([1, +(128 / 255).toFixed(4), 0]);
    expect(patch.slice(27, 30).every((v) => Math.abs(v) < 1e-3)).toBe(true);
    expect(patch.slice(30, 40).every((v) => Math.abs(v) < 1e-6)).toBe(true);
  });

  it('puts the gradient of vertical stripes in the horizontal-gradient orientation bin', async () => {
    const f = await createImagePatchesEncoder({ size: 32, grid: 1 }).encode([stripes(32, 32, 4)]);
    const hog = Array.from(f.patches.subarray(30, 39));
    // angle 0 (gx only) falls into bin 0 of [0, π)
    expect(hog.indexOf(Math.max(...hog))).toBe(0);
    expect(hog[0]).toBeGreaterThan(0.99);
    expect(f.patches[39]).toBeGreaterThan(0.1); // mean gradient magnitude
  });

  it('is deterministic and gives the same features for a path, its bytes and the decoded pixels', async () => {
    const dir = tempDir('patches');
    const img = picture(64, 48);
    const png = await encodePng(img);
    const file = join(dir, 'p.png');
    writeFileSync(file, png);
    const enc = createImagePatchesEncoder();
    const a = await enc.encode([file, png, img]);
    const b = await createImagePatchesEncoder().encode([readFileSync(file)]);
    const D = 36 * 40;
    expect(Array.from(a.patches.subarray(0, D))).toEqual(Array.from(a.patches.subarray(D, 2 * D)));
    expect(Array.from(a.patches.subarray(0, D))).toEqual(Array.from(a.patches.subarray(2 * D, 3 * D)));
    expect(Array.from(b.patches)).toEqual(Array.from(a.patches.subarray(0, D)));
  });

  it('ranks the same picture above a slightly changed one above a different one', async () => {
    const enc = await createImageEncoder('builtin:image-patches');
    const f = await enc.encode([picture(96, 96), picture(96, 96, 12), stripes(96, 96, 6), picture(96, 96, 0, false)]);
    const same = cosine(f.patches, 0, 0, 36 * 40);
    const near = cosine(f.patches, 0, 1, 36 * 40);
    const far = cosine(f.patches, 0, 2, 36 * 40);
    expect(same).toBeCloseTo(1, 6);
    expect(near).toBeGreaterThan(far);
    expect(near).toBeGreaterThan(cosine(f.patches, 0, 3, 36 * 40)); // square removed: further away than a colour shift
  });

  it('passes @mmaux/datasets errors through and checks its options', async () => {
    const enc = createImagePatchesEncoder();
    await expect(enc.encode(['/no/such/image.png'])).rejects.toSatisfy((e: unknown) => e instanceof MmauxDatasetError && e.code === 'NOT_FOUND');
    await expect(enc.encode([new Uint8Array([1, 2, 3])])).rejects.toSatisfy((e: unknown) => e instanceof MmauxDatasetError && e.code === 'BAD_IMAGE');
    await expect(enc.encode([42 as unknown as string])).rejects.toSatisfy((e: unknown) => e instanceof MmauxEncoderError && e.code === 'INVALID_INPUT');
    expect(() => createImagePatchesEncoder({ size: 100, grid: 6 })).toThrow(/multiple of grid/);
    await expect(createImageEncoder('builtin:text-hash')).rejects.toSatisfy((e: unknown) => (e as MmauxEncoderError).code === 'INVALID_SPEC');
  });
});
