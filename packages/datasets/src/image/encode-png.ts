import sharp from 'sharp';
import { MmauxDatasetError } from '../errors.js';
import type { DecodedImage } from './decode-image.js';
import { checkDecodedImage } from './check-decoded-image.js';

/**
 * Encodes RGB pixels as a PNG (no metadata, fixed zlib settings, so the same pixels give the same
 * bytes with the same sharp build). Used by the synthetic generator; handy for fixtures.
 *
 * @param image - a {@link DecodedImage}
 * @returns the PNG file's bytes
 * @throws MmauxDatasetError `BAD_IMAGE` when `data` does not hold `width · height · 3` bytes
 *
 * @example
 * ```ts
 * const png = await encodePng(blankImage(4, 4, [10, 20, 30]));
 * sniffImageFormat(png); // "png"
 * Array.from((await decodeImage(png)).data.slice(-3)); // [10, 20, 30]
 * ```
 */
export async function encodePng(image: DecodedImage): Promise<Uint8Array> {
  checkDecodedImage('encodePng', image);
  try {
    const buf = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false })
      .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
      .toBuffer();
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
  } catch (e) {
    throw new MmauxDatasetError('BAD_IMAGE', `encodePng: sharp could not encode the ${image.width}×${image.height} image: ${(e as Error).message}.`, {}, { cause: e });
  }
}
