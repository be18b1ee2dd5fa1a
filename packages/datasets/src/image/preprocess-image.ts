import sharp from 'sharp';
import { MmauxDatasetError } from '../errors.js';
import { checkDecodedImage, isDecodedImage } from './check-decoded-image.js';
import { type DecodedImage, type ImageDecodeOptions, decodeBytes, readImageSource, resolveAutoOrient, resolvePixelLimit } from './decode-image.js';
import { type ImageKernel, type ImageRecipe, type ResolvedRecipe, resolveRecipe } from './image-recipes.js';
import { centerCropBox, shorterSideResizeSize } from './resize-geometry.js';

/** A model-ready image: float32, channel-major (CHW: `data[c·H·W + y·W + x]`). */
export interface PreprocessedImage {
  /** `3 · height · width` normalised values, R plane, then G, then B. */
  data: Float32Array;
  /** Always 3. */
  channels: 3;
  /** Rows. */
  height: number;
  /** Columns. */
  width: number;
}

/** Options of {@link resizeImage}. */
export interface ResizeImageOptions {
  /** Resampling kernel. @defaultValue `'bilinear'` */
  kernel?: ImageKernel;
}

const SHARP_KERNELS: Record<ImageKernel, ResolvedRecipe['kernel']> = {
  bilinear: 'linear',
  bicubic: 'cubic',
  nearest: 'nearest',
  lanczos3: 'lanczos3',
};

async function resizeRgb(fn: string, image: DecodedImage, width: number, height: number, kernel: ResolvedRecipe['kernel']): Promise<DecodedImage> {
  if (image.width === width && image.height === height) return image;
  try {
    const buf = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false })
      .resize({ width, height, fit: 'fill', kernel })
      .raw({ depth: 'uchar' })
      .toBuffer();
    return { data: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), width, height, channels: 3 };
  } catch (e) {
    throw new MmauxDatasetError(
      'BAD_IMAGE',
      `${fn}: sharp could not resize a ${image.width}×${image.height} image to ${width}×${height}: ${(e as Error).message}.`,
      {},
      { cause: e },
    );
  }
}

/**
 * Resizes RGB pixels to exactly `width × height` (aspect ratio ignored) with sharp. Alpha never
 * enters (the input is RGB), so nothing is premultiplied.
 *
 * @param image - a {@link DecodedImage}
 * @param width - target width, a positive integer
 * @param height - target height, a positive integer
 * @param options - `kernel` (default `'bilinear'`)
 * @returns a new image, or `image` itself when the size already matches
 * @throws MmauxDatasetError `INVALID_OPTION` (size, kernel), `BAD_IMAGE` (inconsistent `image`)
 *
 * @example
 * ```ts
 * const up = await resizeImage(blankImage(1, 1, [7, 8, 9]), 2, 2, { kernel: 'nearest' });
 * Array.from(up.data); // [7, 8, 9, 7, 8, 9, 7, 8, 9, 7, 8, 9]
 * ```
 */
export async function resizeImage(image: DecodedImage, width: number, height: number, options: ResizeImageOptions = {}): Promise<DecodedImage> {
  const fn = 'resizeImage';
  checkDecodedImage(fn, image);
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new MmauxDatasetError('INVALID_OPTION', `${fn}: ${name} must be a positive integer, got ${String(v)}.`);
  }
  const kernelName = options.kernel ?? 'bilinear';
  if (!Object.hasOwn(SHARP_KERNELS, kernelName)) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: kernel must be one of ${Object.keys(SHARP_KERNELS).join(', ')}, got ${JSON.stringify(kernelName)}.`);
  }
  return resizeRgb(fn, image, width, height, SHARP_KERNELS[kernelName]);
}

/** @internal Per-channel lookup tables: byte value → normalised float, computed in float64 then rounded. */
export function lookupTables(r: ResolvedRecipe): Float32Array[] {
  return [0, 1, 2].map((c) => {
    const t = new Float32Array(256);
    const mean = r.mean[c] as number;
    const std = r.std[c] as number;
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - mean) / std;
    return t;
  });
}

/** Crop + normalise + HWC→CHW into `out` at `offset`. */
function writeChw(img: DecodedImage, left: number, top: number, w: number, h: number, luts: Float32Array[], out: Float32Array, offset: number): void {
  const plane = w * h;
  const [l0, l1, l2] = luts as [Float32Array, Float32Array, Float32Array];
  const src = img.data;
  for (let y = 0; y < h; y++) {
    let s = ((top + y) * img.width + left) * 3;
    let d = offset + y * w;
    for (let x = 0; x < w; x++, s += 3, d++) {
      out[d] = l0[src[s] as number] as number;
      out[d + plane] = l1[src[s + 1] as number] as number;
      out[d + 2 * plane] = l2[src[s + 2] as number] as number;
    }
  }
}

/** @internal Decode (unless decoded), resize, crop and normalise one source into `out` at `offset`. */
export async function pipeline(
  fn: string,
  source: string | Uint8Array | DecodedImage,
  r: ResolvedRecipe,
  luts: Float32Array[],
  limit: number,
  autoOrient: boolean,
  options: ImageDecodeOptions | undefined,
  out: Float32Array,
  offset: number,
): Promise<void> {
  let decoded: DecodedImage;
  if (isDecodedImage(source)) {
    checkDecodedImage(fn, source);
    decoded = source;
  } else {
    const { bytes, name } = await readImageSource(fn, source, options);
    decoded = await decodeBytes(fn, bytes, name, limit, autoOrient);
  }
  if (r.mode === 'squash') {
    const resized = await resizeRgb(fn, decoded, r.width, r.height, r.kernel);
    writeChw(resized, 0, 0, r.width, r.height, luts, out, offset);
  } else {
    const size = shorterSideResizeSize(decoded.width, decoded.height, r.shorterSide);
    const resized = await resizeRgb(fn, decoded, size.width, size.height, r.kernel);
    const box = centerCropBox(size.width, size.height, r.width, r.height);
    writeChw(resized, box.left, box.top, r.width, r.height, luts, out, offset);
  }
}

/**
 * The project's one image preprocessing pipeline: {@link decodeImage} (format check, pixel limit,
 * EXIF orientation, first frame, alpha dropped, sRGB), then the recipe's resize — `squash` to
 * `width × height`, or torchvision's `Resize(shorterSide)` + `CenterCrop` — with sharp, then
 * `(pixel / 255 − mean) / std` per channel (float64, stored as float32), laid out CHW.
 *
 * Resizing happens on the decoded RGB pixels (not inside the decode, where sharp would use JPEG
 * shrink-on-load and premultiply alpha), so the result equals `preprocessImage(await
 * decodeImage(source), recipe)` and is as close to PIL as sharp's kernels allow (see
 * {@link ImageRecipe.kernel}).
 *
 * @param source - a file path, encoded bytes, or an already decoded image (e.g. {@link blankImage})
 * @param recipe - e.g. `IMAGE_RECIPES.vit`
 * @param options - `limitInputPixels`, `autoOrient`, `sourceName` (as {@link decodeImage})
 * @returns `{ data: Float32Array (CHW), channels: 3, height, width }`
 * @throws MmauxDatasetError `NOT_FOUND`, `BAD_IMAGE`, `IMAGE_TOO_LARGE` (as {@link decodeImage}),
 *   `INVALID_OPTION` (a recipe field, named)
 *
 * @example
 * ```ts
 * const x = await preprocessImage(blankImage(640, 480, [255, 0, 51]), IMAGE_RECIPES.vit);
 * [x.channels, x.height, x.width]; // [3, 224, 224]
 * [x.data[0], x.data[224 * 224], x.data[2 * 224 * 224]]; // [1, -1, -0.6]
 * const r = await preprocessImage(blankImage(640, 480, [255, 255, 255]), IMAGE_RECIPES.resnet);
 * r.data[0]; // ≈ 4.3547
 * ```
 */
export async function preprocessImage(
  source: string | Uint8Array | DecodedImage,
  recipe: ImageRecipe,
  options?: ImageDecodeOptions,
): Promise<PreprocessedImage> {
  const fn = 'preprocessImage';
  const r = resolveRecipe(fn, recipe);
  const limit = resolvePixelLimit(fn, options);
  const autoOrient = resolveAutoOrient(fn, options);
  const out = new Float32Array(3 * r.width * r.height);
  await pipeline(fn, source, r, lookupTables(r), limit, autoOrient, options, out, 0);
  return { data: out, channels: 3, height: r.height, width: r.width };
}
