/** Stable codes carried by {@link MmauxFusionError}; match on these, not on message text. */
export type FusionErrorCode =
  | 'INVALID_KIND'
  | 'INVALID_OPTION'
  | 'INVALID_SHAPE'
  | 'INVALID_INPUT'
  | 'MISSING_INPUT'
  | 'UNSUPPORTED'
  | 'NON_FINITE'
  | 'DISPOSED'
  | 'MISSING_FILE'
  | 'CORRUPT_FILE'
  | 'WEIGHT_MISMATCH'
  | 'BACKEND_UNAVAILABLE';

/**
 * The one error class `@mmaux/fusion` throws. `code` is stable across versions; the message
 * names the function, the offending value (option, tensor, file or weight) and what to do.
 *
 * @example
 * ```ts
 * let code = '';
 * try {
 *   createFusionModel('late-fusion', { textDim: 4, imageDim: 4, numClasses: 2, seed: 1 });
 * } catch (e) {
 *   if (e instanceof MmauxFusionError) code = e.code; // the message lists the valid kinds
 * }
 * code === 'INVALID_KIND'; // true
 * ```
 */
export class MmauxFusionError extends Error {
  readonly code: FusionErrorCode;

  constructor(code: FusionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MmauxFusionError';
    this.code = code;
  }
}
