import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { MmauxDatasetError } from '../errors.js';

/** Decoded pixels: 8-bit RGB, row-major HWC (`data[(y·width + x)·3 + c]`). */
export interface DecodedImage {
  /** `width · height · 3` bytes, R G B per pixel, rows top to bottom. */
  data: Uint8Array;
  /** Width in pixels, after EXIF orientation. */
  width: number;
  /** Height in pixels, after EXIF orientation. */
  height: number;
  /** Always 3 (RGB). */
  channels: 3;
}

/** Options of {@link decodeImage} and {@link preprocessImage}. */
export interface ImageDecodeOptions {
  /**
   * Refuse images whose header declares more than this many pixels (width × height, checked
   * before any pixel is decoded) with `IMAGE_TOO_LARGE`. The default is Pillow's hard limit
   * (`2 · Image.MAX_IMAGE_PIXELS`, where Pillow raises `DecompressionBombError`), so an image
   * the paper's PIL code could open opens here too; sharp's own default is 268402689.
   * A positive integer; pass `Number.MAX_SAFE_INTEGER` to lift the limit.
   * @defaultValue {@link DEFAULT_LIMIT_INPUT_PIXELS} (178956970)
   */
  limitInputPixels?: number;
  /**
   * Apply the EXIF orientation tag (rotate/flip to the displayed orientation). The paper's code
   * opened images with `PIL.Image.open`, which does not; pass `false` to reproduce that.
   * @defaultValue true
   */
  autoOrient?: boolean;
  /**
   * The name error messages use for a byte source (for a path source the path itself is used),
   * e.g. the post id or the archive entry the bytes came from.
   * @defaultValue `'<bytes>'`
   */
  sourceName?: string;
}

/**
 * Pillow's `DecompressionBombError` threshold, `2 · 89478485` pixels: the default pixel limit of
 * {@link decodeImage}.
 *
 * @example
 * ```ts
 * DEFAULT_LIMIT_INPUT_PIXELS; // 178956970
 * ```
 */
export const DEFAULT_LIMIT_INPUT_PIXELS = 178956970;

/** The container formats {@link decodeImage} accepts, recognised by their leading bytes. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif';

/**
 * The image format of some bytes, from their signature (not the file name), or `undefined` for
 * anything other than JPEG, PNG, WebP or GIF.
 *
 * @param bytes - the start of a file (12 bytes are enough)
 * @returns `'jpeg' | 'png' | 'webp' | 'gif'` or `undefined`
 *
 * @example
 * ```ts
 * sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])); // "jpeg"
 * sniffImageFormat(new TextEncoder().encode('GIF89a')); // "gif"
 * sniffImageFormat(new TextEncoder().encode('<svg>')) === undefined; // true
 * ```
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = (i: number) => bytes[i];
  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47 && b(4) === 0x0d && b(5) === 0x0a) return 'png';
  if (b(0) === 0x47 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x38 && (b(4) === 0x37 || b(4) === 0x39) && b(5) === 0x61) {
    return 'gif';
  }
  if (
    b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 &&
    b(8) === 0x57 && b(9) === 0x45 && b(10) === 0x42 && b(11) === 0x50
  ) {
    return 'webp';
  }
  return undefined;
}

/** @internal Validated `autoOrient`. */
export function resolveAutoOrient(fn: string, options: ImageDecodeOptions | undefined): boolean {
  const v = options?.autoOrient ?? true;
  if (typeof v !== 'boolean') {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: autoOrient must be true or false, got ${String(v)}.`);
  }
  return v;
}

/** @internal Validated pixel limit. */
export function resolvePixelLimit(fn: string, options: ImageDecodeOptions | undefined): number {
  const limit = options?.limitInputPixels;
  if (limit === undefined) return DEFAULT_LIMIT_INPUT_PIXELS;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: limitInputPixels must be a positive integer (pixels, width × height), got ${String(limit)}; ` +
        `leave it out for the default ${DEFAULT_LIMIT_INPUT_PIXELS}, or pass Number.MAX_SAFE_INTEGER to lift the limit.`,
    );
  }
  return limit;
}

function describeBytes(n: number): string {
  return n === 1 ? '1 byte' : `${n} bytes`;
}

/** @internal Reads a path source, or wraps a byte source, with typed errors. */
export async function readImageSource(
  fn: string,
  source: string | Uint8Array,
  options: ImageDecodeOptions | undefined,
): Promise<{ bytes: Buffer; name: string }> {
  if (typeof source === 'string') {
    if (source.length === 0) {
      throw new MmauxDatasetError('NOT_FOUND', `${fn}: the image path is an empty string; pass the path of a JPEG, PNG, WebP or GIF file.`);
    }
    try {
      return { bytes: await readFile(source), name: source };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new MmauxDatasetError(
          'NOT_FOUND',
          `${fn}: image file ${source} does not exist; check the image path (relative paths are resolved against ${process.cwd()}) or drop the post.`,
          { file: source },
          { cause: e },
        );
      }
      if (code === 'EISDIR') {
        throw new MmauxDatasetError('NOT_FOUND', `${fn}: ${source} is a directory, not an image file.`, { file: source }, { cause: e });
      }
      throw new MmauxDatasetError(
        'BAD_IMAGE',
        `${fn}: cannot read image file ${source} (${code ?? (e as Error).message}); check its permissions.`,
        { file: source },
        { cause: e },
      );
    }
  }
  if (!(source instanceof Uint8Array)) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: source must be a file path, a Uint8Array/Buffer of encoded image bytes or (preprocessImage) a DecodedImage, got ${describeValue(source)}.`,
    );
  }
  const name = options?.sourceName ?? '<bytes>';
  return { bytes: Buffer.from(source.buffer, source.byteOffset, source.byteLength), name };
}

/** @internal Short description of an unexpected value for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}

async function headerSize(bytes: Buffer): Promise<string> {
  try {
    const m = await sharp(bytes, { limitInputPixels: false, pages: 1 }).metadata();
    if (m.width !== undefined && m.height !== undefined) return `${m.width}×${m.height} = ${m.width * m.height} pixels`;
  } catch {
    // the size is only decoration for the message
  }
  return 'its declared size';
}

/** @internal Turns a sharp failure into the package's typed error. */
export async function sharpError(fn: string, e: unknown, name: string, bytes: Buffer, limit: number): Promise<MmauxDatasetError> {
  const msg = e instanceof Error ? e.message : String(e);
  if (/pixel limit/i.test(msg)) {
    return new MmauxDatasetError(
      'IMAGE_TOO_LARGE',
      `${fn}: image ${name} has ${await headerSize(bytes)}, over limitInputPixels = ${limit}; ` +
        'downscale the file, or raise limitInputPixels if you trust it.',
      { file: name },
      { cause: e },
    );
  }
  return new MmauxDatasetError(
    'BAD_IMAGE',
    `${fn}: image ${name} is corrupt or truncated and cannot be decoded (sharp: ${msg}); re-download it or drop the post.`,
    { file: name },
    { cause: e },
  );
}

/** @internal The shared decode: sniff, then sharp with the project's settings. */
export async function decodeBytes(fn: string, bytes: Buffer, name: string, limit: number, autoOrient = true): Promise<DecodedImage> {
  if (bytes.length === 0) {
    throw new MmauxDatasetError('BAD_IMAGE', `${fn}: image ${name} is empty (0 bytes); re-download it or drop the post.`, { file: name });
  }
  if (sniffImageFormat(bytes) === undefined) {
    const head = Array.from(bytes.subarray(0, 8), (x) => x.toString(16).padStart(2, '0')).join(' ');
    throw new MmauxDatasetError(
      'BAD_IMAGE',
      `${fn}: image ${name} (${describeBytes(bytes.length)}, starting ${head}) is not a JPEG, PNG, WebP or GIF file; ` +
        'convert it to one of these formats or drop the post.',
      { file: name },
    );
  }
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    const image = sharp(bytes, { limitInputPixels: limit, failOn: 'error', animated: false, pages: 1 });
    out = await (autoOrient ? image.autoOrient() : image)
      .removeAlpha()
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw await sharpError(fn, e, name, bytes, limit);
  }
  const { width, height, channels } = out.info;
  if (channels !== 3 || out.data.length !== width * height * 3) {
    throw new MmauxDatasetError(
      'BAD_IMAGE',
      `${fn}: image ${name} decoded to ${channels} channels (${out.data.length} bytes for ${width}×${height}); expected RGB. ` +
        'Convert it to an 8-bit RGB JPEG or PNG.',
      { file: name },
    );
  }
  return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), width, height, channels: 3 };
}

/**
 * Decodes a JPEG, PNG, WebP or GIF image (a file path or its bytes) to 8-bit RGB pixels, as the
 * paper's code does with `PIL.Image.open(path).convert('RGB')`, through the project's one sharp
 * pipeline:
 *
 * - the format is recognised from the bytes, not the file name (a PNG saved as `.jpg` decodes);
 * - `limitInputPixels` is checked against the header before decoding (`IMAGE_TOO_LARGE`);
 * - `failOn: 'error'`: truncated or corrupt data is an error (`BAD_IMAGE`), while the libjpeg /
 *   libpng *warnings* that PIL also tolerates are not (extraneous bytes before a marker; a JPEG
 *   cut short but closed by an end-of-image marker decodes with its missing rows grey);
 * - only the first frame of an animated GIF or WebP (`animated: false, pages: 1`);
 * - EXIF orientation applied, so width/height are the displayed ones (`autoOrient: false`
 *   keeps the stored orientation, as PIL's `Image.open` in the paper's code does);
 * - alpha is **dropped**, not composited: a transparent pixel keeps the RGB stored under it,
 *   exactly like PIL's `convert('RGB')` and transformers.js' `RawImage.rgb()`;
 * - grayscale, CMYK, palette and 16-bit images are converted to 8-bit sRGB (embedded ICC
 *   profiles are honoured, which PIL's `convert('RGB')` does not do).
 *
 * @param source - a file path (relative to the working directory) or the encoded bytes
 * @param options - `limitInputPixels` (default {@link DEFAULT_LIMIT_INPUT_PIXELS}), `autoOrient`
 *   (true), `sourceName`
 * @returns `{ data, width, height, channels: 3 }`, `data` row-major HWC
 * @throws MmauxDatasetError `NOT_FOUND` (no such file), `BAD_IMAGE` (empty, not one of the four
 *   formats, corrupt, truncated), `IMAGE_TOO_LARGE` (over `limitInputPixels`), `INVALID_OPTION`;
 *   the error's `file` is the path or `sourceName`
 *
 * @example
 * ```ts
 * const png = await encodePng(blankImage(3, 2, [255, 128, 0]));
 * const img = await decodeImage(png);
 * [img.width, img.height, img.channels]; // [3, 2, 3]
 * Array.from(img.data.slice(0, 3)); // [255, 128, 0]
 * let code = '';
 * try { await decodeImage('no/such/image.jpg'); } catch (e) { code = (e as MmauxDatasetError).code; }
 * code; // "NOT_FOUND"
 * ```
 */
export async function decodeImage(source: string | Uint8Array, options?: ImageDecodeOptions): Promise<DecodedImage> {
  const fn = 'decodeImage';
  const limit = resolvePixelLimit(fn, options);
  const autoOrient = resolveAutoOrient(fn, options);
  const { bytes, name } = await readImageSource(fn, source, options);
  return decodeBytes(fn, bytes, name, limit, autoOrient);
}
