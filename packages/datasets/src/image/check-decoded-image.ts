import { MmauxDatasetError } from '../errors.js';
import type { DecodedImage } from './decode-image.js';

/** @internal True for an object shaped like a {@link DecodedImage} (not for encoded bytes). */
export function isDecodedImage(v: unknown): v is DecodedImage {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'data' in v && 'width' in v && 'height' in v;
}

/** @internal Throws `BAD_IMAGE` unless `image` is a consistent 8-bit RGB HWC image. */
export function checkDecodedImage(fn: string, image: DecodedImage): void {
  const { data, width, height, channels } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new MmauxDatasetError('BAD_IMAGE', `${fn}: a DecodedImage needs positive integer width and height, got ${String(width)}×${String(height)}.`);
  }
  if (channels !== 3) {
    throw new MmauxDatasetError('BAD_IMAGE', `${fn}: a DecodedImage must have channels 3 (RGB), got ${String(channels)}; decode it with decodeImage.`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    const got = data instanceof Uint8Array ? `${data.length} bytes` : 'no Uint8Array';
    throw new MmauxDatasetError(
      'BAD_IMAGE',
      `${fn}: a ${width}×${height} RGB DecodedImage needs data of ${width * height * 3} bytes (HWC), got ${got}.`,
    );
  }
}
