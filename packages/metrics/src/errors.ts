/** Stable codes carried by {@link MmauxMetricsError}; match on these, not on message text. */
export type MetricsErrorCode =
  | 'LENGTH_MISMATCH'
  | 'EMPTY_INPUT'
  | 'INVALID_LABEL'
  | 'INVALID_OPTION'
  | 'NON_FINITE';

/**
 * The one error class `@mmaux/metrics` throws for bad input. `code` is stable across versions;
 * the message names the function, the offending index and value, and what to do.
 *
 * - `LENGTH_MISMATCH`: two inputs that must pair up entry by entry have different lengths.
 * - `EMPTY_INPUT`: nothing to score (no examples, no seeds).
 * - `INVALID_LABEL`: a label or prediction is not an integer class index in `[0, numClasses)`
 *   (or, for multilabel input, not 0/1).
 * - `INVALID_OPTION`: an option is missing or out of range (e.g. neither `rng` nor `seed`).
 * - `NON_FINITE`: a value that must be a finite number is NaN or ±Infinity.
 *
 * @example
 * ```ts
 * let code = '';
 * try { classificationReport([0, 1], [0, 2], { numClasses: 2 }); } catch (e) {
 *   if (e instanceof MmauxMetricsError) code = e.code;
 * }
 * code; // "INVALID_LABEL"
 * ```
 */
export class MmauxMetricsError extends Error {
  /** Stable machine-readable reason; see {@link MetricsErrorCode}. */
  readonly code: MetricsErrorCode;

  /**
   * @param code - the stable reason
   * @param message - what was wrong, with which value, and what to do
   * @param options - `cause`, forwarded to `Error`
   */
  constructor(code: MetricsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MmauxMetricsError';
    this.code = code;
  }
}
