import { type DecodedImage, decodeImage } from '@mmaux/datasets';
import { MmauxEncoderError } from './errors.js';
import type { ImageInput } from './types.js';
import { describe } from './validate.js';

/** @internal Whether `v` looks like decoded RGB pixels. */
export function isDecodedImage(v: unknown): v is DecodedImage {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return false;
  const o = v as Partial<DecodedImage>;
  return o.data instanceof Uint8Array && typeof o.width === 'number' && typeof o.height === 'number' && o.channels === 3;
}

/** @internal Checks the inputs of an image encoder's `encode`. */
export function checkImages(fn: string, images: unknown): asserts images is readonly ImageInput[] {
  if (!Array.isArray(images)) {
    throw new MmauxEncoderError('INVALID_INPUT', `${fn}: images must be an array of file paths, byte arrays or decoded images, got ${describe(images)}.`);
  }
  for (let i = 0; i < images.length; i++) {
    const v = images[i] as unknown;
    if (typeof v !== 'string' && !(v instanceof Uint8Array) && !isDecodedImage(v)) {
      throw new MmauxEncoderError(
        'INVALID_INPUT',
        `${fn}: images[${i}] must be a file path, a Uint8Array/Buffer of encoded bytes or a DecodedImage ({ data, width, height, channels: 3 }), got ${describe(v)}.`,
      );
    }
  }
}

/**
 * @internal Decodes one input with the project's sharp pipeline (`@mmaux/datasets`'
 * `decodeImage`: EXIF rotation, RGB, first frame, pixel limit). Its typed errors
 * (`MmauxDatasetError` NOT_FOUND / BAD_IMAGE / IMAGE_TOO_LARGE) pass through unchanged.
 */
export async function decodeInput(input: ImageInput, limitInputPixels: number | undefined): Promise<DecodedImage> {
  if (isDecodedImage(input)) return input;
  return decodeImage(input, limitInputPixels === undefined ? undefined : { limitInputPixels });
}
