import { createHash } from 'node:crypto';

const utf8 = new TextEncoder();

/**
 * 32-bit FNV-1a over the UTF-8 bytes of `text`: the stable hash the built-in text encoder uses
 * for its hashed features (never `Math.random`, identical on every platform).
 *
 * @param text - any string
 * @param basis - the offset basis; the default is FNV's `0x811c9dc5`, another value gives an
 *   independent hash family
 * @returns an unsigned 32-bit integer
 *
 * @example
 * ```ts
 * fnv1a32(''); // 2166136261
 * fnv1a32('a'); // 3826002220
 * fnv1a32('foobar'); // 3214735720
 * ```
 */
export function fnv1a32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  const bytes = utf8.encode(text);
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i] as number;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** @internal sha256 as lower-case hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The feature-cache key of a text: the sha256 of its UTF-8 bytes, as lower-case hex (what a
 * Python reader computes with `hashlib.sha256(text.encode('utf-8')).hexdigest()`).
 *
 * @param text - the text exactly as given to the encoder
 * @returns 64 hex characters
 *
 * @example
 * ```ts
 * textKey('abc'); // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 * ```
 */
export function textKey(text: string): string {
  return sha256Hex(utf8.encode(text));
}

/**
 * The feature-cache key of an image file: the sha256 of its bytes as lower-case hex, so a
 * changed file gets a new key and never returns stale features.
 *
 * @param bytes - the encoded file (JPEG, PNG, …) exactly as on disk
 * @returns 64 hex characters
 *
 * @example
 * ```ts
 * imageKey(new Uint8Array([1, 2, 3])); // "039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81"
 * ```
 */
export function imageKey(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

/**
 * The feature-cache key of a blank image ({@link extractFeatures} uses one for a post without
 * an image): the sha256 of `mmaux:blank:<width>x<height>:<r>,<g>,<b>`.
 *
 * @param width - pixels
 * @param height - pixels
 * @param rgb - the colour
 * @returns 64 hex characters
 *
 * @example
 * ```ts
 * blankImageKey(224, 224, [255, 255, 255]) === textKey('mmaux:blank:224x224:255,255,255'); // true
 * ```
 */
export function blankImageKey(width: number, height: number, rgb: readonly [number, number, number]): string {
  return sha256Hex(utf8.encode(`mmaux:blank:${width}x${height}:${rgb.join(',')}`));
}
