/** Stable codes carried by {@link MmauxLossError}; match on these, not on message text. */
export type LossErrorCode =
  | 'INVALID_SHAPE'
  | 'EMPTY_BATCH'
  | 'NON_FINITE'
  | 'INVALID_LABEL'
  | 'INVALID_OPTION';

/**
 * The one error class `@mmaux/losses` throws for bad input. `code` is stable across
 * versions; the message names the function, the offending value and what to do.
 *
 * @example
 * ```ts
 * let code = '';
 * try {
 *   itmLoss(tf.tensor2d([[0, 1], [1, 0]]), [0, 2]);
 * } catch (e) {
 *   if (e instanceof MmauxLossError) code = e.code; // e.message names labels[1] = 2
 * }
 * code === 'INVALID_LABEL'; // 1
 * ```
 */
export class MmauxLossError extends Error {
  readonly code: LossErrorCode;

  constructor(code: LossErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MmauxLossError';
    this.code = code;
  }
}
