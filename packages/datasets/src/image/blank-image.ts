import { MmauxDatasetError } from '../errors.js';
import type { DecodedImage } from './decode-image.js';

/**
 * A uniform RGB image, for a post that has no image (e.g. MICD's text-only test tweets, which
 * the paper's code pairs with a blank `empty_image.png`) or for tests. The colour of that file
 * was not published; white is this package's choice: pass `rgb` to match another.
 *
 * @param width - positive integer
 * @param height - positive integer
 * @param rgb - the colour, three integers in [0, 255]; default `[255, 255, 255]` (white)
 * @returns a {@link DecodedImage} every pixel of which is `rgb`
 * @throws MmauxDatasetError `INVALID_OPTION` for a non-positive or fractional size or a colour
 *   outside [0, 255]
 *
 * @example
 * ```ts
 * const img = blankImage(2, 1);
 * Array.from(img.data); // [255, 255, 255, 255, 255, 255]
 * Array.from(blankImage(1, 1, [0, 128, 255]).data); // [0, 128, 255]
 * ```
 */
export function blankImage(width: number, height: number, rgb: [number, number, number] = [255, 255, 255]): DecodedImage {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new MmauxDatasetError('INVALID_OPTION', `blankImage: ${name} must be a positive integer, got ${String(v)}.`);
    }
  }
  if (!Array.isArray(rgb) || rgb.length !== 3 || rgb.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
    throw new MmauxDatasetError('INVALID_OPTION', `blankImage: rgb must be three integers in [0, 255], got ${JSON.stringify(rgb)}.`);
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = rgb[0];
    data[i + 1] = rgb[1];
    data[i + 2] = rgb[2];
  }
  return { data, width, height, channels: 3 };
}
