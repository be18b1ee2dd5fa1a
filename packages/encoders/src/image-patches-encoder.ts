import { DEFAULT_LIMIT_INPUT_PIXELS, type ImageRecipe, preprocessImage } from '@mmaux/datasets';
import { checkImages, decodeInput } from './image-input.js';
import type { ImageFeatureEncoder, ImageFeatures, ImageInput, PatchGrid } from './types.js';
import { mapLimit, positiveInt } from './validate.js';
import { MmauxEncoderError } from './errors.js';

/** Options of the built-in `builtin:image-patches` encoder. */
export interface ImagePatchesOptions {
  /**
   * Images are resized (squashed, bilinear, by the `@mmaux/datasets` sharp pipeline) to
   * `size × size` pixels.
   * @defaultValue 96
   */
  size?: number;
  /**
   * The image is cut into `grid × grid` patches; `size` must be a multiple of `grid`.
   * @defaultValue 6
   */
  grid?: number;
  /**
   * Bins of each channel's colour histogram.
   * @defaultValue 8
   */
  colorBins?: number;
  /**
   * Bins of the (unsigned, magnitude-weighted) gradient-orientation histogram.
   * @defaultValue 9
   */
  orientationBins?: number;
  /**
   * Images decoded and resized at once (sharp runs on libuv's thread pool).
   * @defaultValue 4
   */
  concurrency?: number;
  /**
   * Passed to `decodeImage`: refuse larger images with `IMAGE_TOO_LARGE`.
   * @defaultValue `@mmaux/datasets`' default (Pillow's limit, 178956970 pixels)
   */
  limitInputPixels?: number;
}

/**
 * Feature size of {@link createImagePatchesEncoder} for its bin options:
 * `3·colorBins + 6 + orientationBins + 1`.
 *
 * @param colorBins - default 8
 * @param orientationBins - default 9
 * @returns D
 *
 * @example
 * ```ts
 * imagePatchesDim(); // 40
 * imagePatchesDim(4, 8); // 27
 * ```
 */
export function imagePatchesDim(colorBins = 8, orientationBins = 9): number {
  return 3 * colorBins + 6 + orientationBins + 1;
}

/**
 * The built-in offline image encoder (`builtin:image-patches`), a classic hand-crafted
 * baseline that needs no download. Each image is decoded and resized to `size × size` by the
 * project's sharp pipeline (`@mmaux/datasets`), cut into a `grid × grid` grid, and each patch is
 * described by (in this order, D = {@link imagePatchesDim}):
 *
 * - a histogram of each of R, G, B with `colorBins` bins (each sums to 1; values are split
 *   linearly between the two nearest bin centres, so a small colour change moves the features
 *   a little instead of flipping a bin);
 * - the mean and standard deviation of R, G, B (pixels scaled to [0, 1]);
 * - a gradient-orientation histogram (HOG-like: central differences on luma, unsigned angle in
 *   [0, π), `orientationBins` bins centred at k·π / bins with circular linear interpolation,
 *   weighted by magnitude, L2-normalised);
 * - the mean gradient magnitude.
 *
 * Patches are in row-major grid order (`grid: { rows, cols, prefixTokens: 0 }`); pooled is their
 * mean. Deterministic.
 *
 * @param options - `size` (96), `grid` (6), `colorBins` (8), `orientationBins` (9),
 *   `concurrency` (4), `limitInputPixels`
 * @returns an {@link ImageFeatureEncoder}
 * @throws MmauxEncoderError `INVALID_OPTION` (e.g. `size` not a multiple of `grid`);
 *   `encode` rethrows `@mmaux/datasets`' `MmauxDatasetError` (`NOT_FOUND`, `BAD_IMAGE`,
 *   `IMAGE_TOO_LARGE`) for an unreadable image
 *
 * @example
 * ```ts
 * const enc = createImagePatchesEncoder({ size: 32, grid: 4 });
 * [enc.dim, enc.patches]; // [40, 16]
 * enc.id; // "builtin:image-patches;v=1;size=32;grid=4;color=8;orient=9"
 * const f = await enc.encode([blankImage(50, 40, [255, 0, 0])]);
 * f.shape; // {"n": 1, "patches": 16, "dim": 40}
 * // a uniform red image: every red pixel in the top bin, green and blue in the bottom one
 * [f.pooled[7], f.pooled[8], f.pooled[16]]; // [1, 1, 1]
 * ```
 */
export function createImagePatchesEncoder(options: ImagePatchesOptions = {}): ImageFeatureEncoder {
  const fn = 'createImagePatchesEncoder';
  const size = positiveInt(fn, 'size', options.size, 96, 4096);
  const grid = positiveInt(fn, 'grid', options.grid, 6, 256);
  const colorBins = positiveInt(fn, 'colorBins', options.colorBins, 8, 256);
  const orientationBins = positiveInt(fn, 'orientationBins', options.orientationBins, 9, 360);
  const concurrency = positiveInt(fn, 'concurrency', options.concurrency, 4, 256);
  if (size % grid !== 0) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: size (${size}) must be a multiple of grid (${grid}), e.g. size ${Math.ceil(size / grid) * grid}.`);
  }
  const dim = imagePatchesDim(colorBins, orientationBins);
  const patches = grid * grid;
  const ps = size / grid;
  const recipe: ImageRecipe = { resize: { mode: 'squash', width: size, height: size }, mean: [0, 0, 0], std: [1, 1, 1], kernel: 'bilinear' };
  const gridInfo: PatchGrid = { rows: grid, cols: grid, prefixTokens: 0 };
  const id = `builtin:image-patches;v=1;size=${size};grid=${grid};color=${colorBins};orient=${orientationBins}`;

  const describeImage = (chw: Float32Array, out: Float32Array, base: number, pooled: Float32Array, pooledBase: number): void => {
    const plane = size * size;
    const luma = new Float32Array(plane);
    for (let i = 0; i < plane; i++) luma[i] = 0.299 * (chw[i] as number) + 0.587 * (chw[plane + i] as number) + 0.114 * (chw[2 * plane + i] as number);
    const mag = new Float32Array(plane);
    const ang = new Float32Array(plane);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = y * size + x;
        const gx = (luma[y * size + Math.min(size - 1, x + 1)] as number) - (luma[y * size + Math.max(0, x - 1)] as number);
        const gy = (luma[Math.min(size - 1, y + 1) * size + x] as number) - (luma[Math.max(0, y - 1) * size + x] as number);
        mag[i] = Math.hypot(gx, gy);
        let a = Math.atan2(gy, gx);
        if (a < 0) a += Math.PI;
        if (a >= Math.PI) a -= Math.PI;
        ang[i] = a;
      }
    }
    const npx = ps * ps;
    for (let gr = 0; gr < grid; gr++) {
      for (let gc = 0; gc < grid; gc++) {
        const o = base + (gr * grid + gc) * dim;
        const meanOff = o + 3 * colorBins;
        const hogOff = meanOff + 6;
        let magSum = 0;
        for (let y = gr * ps; y < (gr + 1) * ps; y++) {
          for (let x = gc * ps; x < (gc + 1) * ps; x++) {
            const i = y * size + x;
            for (let c = 0; c < 3; c++) {
              const v = chw[c * plane + i] as number;
              // soft binning: linear interpolation between the two nearest bin centres (k + ½) / bins
              const pos = Math.min(colorBins - 1, Math.max(0, v * colorBins - 0.5));
              const lo = Math.floor(pos);
              const frac = pos - lo;
              out[o + c * colorBins + lo]! += (1 - frac) / npx;
              if (frac > 0) out[o + c * colorBins + lo + 1]! += frac / npx;
              out[meanOff + c]! += v / npx;
              out[meanOff + 3 + c]! += (v * v) / npx;
            }
            const m = mag[i] as number;
            // orientation bins centred at k·π / bins, interpolated circularly (0 and π are the same)
            const opos = ((ang[i] as number) / Math.PI) * orientationBins;
            const olo = Math.floor(opos) % orientationBins;
            const ofrac = opos - Math.floor(opos);
            out[hogOff + olo]! += m * (1 - ofrac);
            out[hogOff + ((olo + 1) % orientationBins)]! += m * ofrac;
            magSum += m;
          }
        }
        for (let c = 0; c < 3; c++) {
          const mean = out[meanOff + c] as number;
          out[meanOff + 3 + c] = Math.sqrt(Math.max(0, (out[meanOff + 3 + c] as number) - mean * mean));
        }
        let norm = 0;
        for (let b = 0; b < orientationBins; b++) norm += (out[hogOff + b] as number) ** 2;
        const inv = 1 / Math.sqrt(norm + 1e-12);
        for (let b = 0; b < orientationBins; b++) out[hogOff + b]! *= inv;
        out[hogOff + orientationBins] = magSum / npx;
        for (let j = 0; j < dim; j++) pooled[pooledBase + j]! += (out[o + j] as number) / patches;
      }
    }
  };

  return {
    kind: 'image',
    spec: 'builtin:image-patches',
    id,
    dim,
    patches,
    grid: gridInfo,
    limitInputPixels: options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS,
    async encode(images: readonly ImageInput[]): Promise<ImageFeatures> {
      checkImages('imagePatchesEncoder.encode', images);
      const n = images.length;
      const out = new Float32Array(n * patches * dim);
      const pooled = new Float32Array(n * dim);
      await mapLimit(images, concurrency, async (img, i) => {
        const decoded = await decodeInput(img, options.limitInputPixels);
        const pre = await preprocessImage(decoded, recipe);
        describeImage(pre.data, out, i * patches * dim, pooled, i * dim);
      });
      return { patches: out, pooled, shape: { n, patches, dim }, grid: { ...gridInfo } };
    },
    async dispose(): Promise<void> {},
  };
}
