import { MmauxDatasetError } from '../errors.js';

/**
 * Why an image cannot be used: `'missing'` (no such file, or not a file), `'corrupt'` (not a
 * JPEG/PNG/WebP/GIF by its bytes, empty, unreadable, truncated or otherwise undecodable) or
 * `'oversized'` (over `limitInputPixels`).
 */
export type ImageProblem = 'missing' | 'corrupt' | 'oversized';

/**
 * What kind of image problem an error of the image pipeline ({@link decodeImage},
 * {@link probeImage}, {@link preprocessImage}) is: `NOT_FOUND` → `'missing'`, `IMAGE_TOO_LARGE`
 * → `'oversized'`, `BAD_IMAGE` → `'corrupt'`; anything else (a bad option, another error) is not
 * an image problem and gives `undefined`, so callers can skip bad images and still stop on bugs.
 *
 * @param error - anything thrown
 * @returns the problem, or `undefined`
 *
 * @example
 * ```ts
 * let problem;
 * try { await decodeImage(new Uint8Array([1, 2, 3]), { sourceName: 'post 7' }); } catch (e) { problem = imageProblemOf(e); }
 * problem; // "corrupt"
 * imageProblemOf(new MmauxDatasetError('INVALID_OPTION', 'bad option')) === undefined; // true
 * ```
 */
export function imageProblemOf(error: unknown): ImageProblem | undefined {
  if (!(error instanceof MmauxDatasetError)) return undefined;
  switch (error.code) {
    case 'NOT_FOUND':
      return 'missing';
    case 'IMAGE_TOO_LARGE':
      return 'oversized';
    case 'BAD_IMAGE':
      return 'corrupt';
    default:
      return undefined;
  }
}
