import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { MmauxDatasetError } from '../errors.js';
import {
  type ImageDecodeOptions,
  type ImageFormat,
  describeValue,
  resolveAutoOrient,
  resolvePixelLimit,
  sniffImageFormat,
} from './decode-image.js';

/** What {@link probeImage} reads from an image's header. */
export interface ImageProbe {
  /** The container format, from the bytes. */
  format: ImageFormat;
  /** Width as {@link decodeImage} would return it (after EXIF orientation unless `autoOrient: false`). */
  width: number;
  /** Height, likewise. */
  height: number;
  /** Frames (animated GIF/WebP) or 1; {@link decodeImage} keeps the first. */
  pages: number;
  /** Whether the file has an alpha channel ({@link decodeImage} drops it). */
  hasAlpha: boolean;
}

function notFound(fn: string, path: string, e: unknown): MmauxDatasetError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new MmauxDatasetError(
      'NOT_FOUND',
      `${fn}: image file ${path} does not exist; check the image path (relative paths are resolved against ${process.cwd()}) or drop the post.`,
      { file: path },
      { cause: e },
    );
  }
  if (code === 'EISDIR') return new MmauxDatasetError('NOT_FOUND', `${fn}: ${path} is a directory, not an image file.`, { file: path }, { cause: e });
  return new MmauxDatasetError('BAD_IMAGE', `${fn}: cannot read image file ${path} (${code ?? (e as Error).message}); check its permissions.`, { file: path }, { cause: e });
}

/**
 * Checks an image the way {@link decodeImage} would accept it, from its header only (fast, no
 * pixels decoded): the file exists, is JPEG/PNG/WebP/GIF by its bytes, has a readable header, and
 * is within `limitInputPixels`. Truncated or corrupt pixel data is only found by decoding
 * (`decodeImage`), since the header of such a file is intact.
 *
 * @param source - a file path or the encoded bytes
 * @param options - `limitInputPixels`, `autoOrient`, `sourceName` (as {@link decodeImage})
 * @returns `{ format, width, height, pages, hasAlpha }`
 * @throws MmauxDatasetError `NOT_FOUND`, `BAD_IMAGE` (empty, other format, unreadable header),
 *   `IMAGE_TOO_LARGE`, `INVALID_OPTION`, each naming the file
 *
 * @example
 * ```ts
 * const png = await encodePng(blankImage(30, 20));
 * await probeImage(png); // {"format": "png", "width": 30, "height": 20, "pages": 1, "hasAlpha": false}
 * let code = '';
 * try { await probeImage(png, { limitInputPixels: 599 }); } catch (e) { code = (e as MmauxDatasetError).code; }
 * code; // "IMAGE_TOO_LARGE"
 * ```
 */
export async function probeImage(source: string | Uint8Array, options?: ImageDecodeOptions): Promise<ImageProbe> {
  const fn = 'probeImage';
  const limit = resolvePixelLimit(fn, options);
  const autoOrient = resolveAutoOrient(fn, options);
  let head: Uint8Array;
  let name: string;
  let input: string | Buffer;
  if (typeof source === 'string') {
    if (source.length === 0) {
      throw new MmauxDatasetError('NOT_FOUND', `${fn}: the image path is an empty string; pass the path of a JPEG, PNG, WebP or GIF file.`);
    }
    name = source;
    input = source;
    let handle;
    try {
      handle = await open(source, 'r');
      const buf = Buffer.alloc(16);
      const { bytesRead } = await handle.read(buf, 0, 16, 0);
      head = buf.subarray(0, bytesRead);
    } catch (e) {
      throw notFound(fn, source, e);
    } finally {
      await handle?.close();
    }
  } else if (source instanceof Uint8Array) {
    name = options?.sourceName ?? '<bytes>';
    input = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    head = source.subarray(0, 16);
  } else {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: source must be a file path or a Uint8Array/Buffer of encoded image bytes, got ${describeValue(source)}.`);
  }
  if (head.length === 0) {
    throw new MmauxDatasetError('BAD_IMAGE', `${fn}: image ${name} is empty (0 bytes); re-download it or drop the post.`, { file: name });
  }
  const format = sniffImageFormat(head);
  if (format === undefined) {
    const hex = Array.from(head.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new MmauxDatasetError(
      'BAD_IMAGE',
      `${fn}: image ${name} (starting ${hex}) is not a JPEG, PNG, WebP or GIF file; convert it to one of these formats or drop the post.`,
      { file: name },
    );
  }
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new MmauxDatasetError(
      'BAD_IMAGE',
      `${fn}: the header of image ${name} cannot be read (sharp: ${(e as Error).message}); re-download it or drop the post.`,
      { file: name },
      { cause: e },
    );
  }
  const pixels = meta.width * meta.height;
  if (pixels > limit) {
    throw new MmauxDatasetError(
      'IMAGE_TOO_LARGE',
      `${fn}: image ${name} has ${meta.width}×${meta.height} = ${pixels} pixels, over limitInputPixels = ${limit}; ` +
        'downscale the file, or raise limitInputPixels if you trust it.',
      { file: name },
    );
  }
  const { width, height } = autoOrient ? meta.autoOrient : meta;
  return { format, width, height, pages: meta.pages ?? 1, hasAlpha: meta.hasAlpha === true };
}
