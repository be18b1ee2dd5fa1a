/** Stable codes carried by {@link MmauxEncoderError}; match on these, not on message text. */
export type EncoderErrorCode =
  | 'INVALID_SPEC'
  | 'INVALID_OPTION'
  | 'INVALID_INPUT'
  | 'BAD_IMAGE'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_LOAD_FAILED'
  | 'UNSUPPORTED_MODEL'
  | 'CUDA_UNAVAILABLE'
  | 'CACHE_MISS'
  | 'CACHE_LOCKED'
  | 'CACHE_IO'
  | 'ABORTED';

/**
 * The one error class `@mmaux/encoders` throws. `code` is stable across versions; the message
 * names the function, the value (spec, folder, file, post id) and what to do.
 *
 * - `INVALID_SPEC`: an encoder spec is not `builtin:text-hash`, `builtin:image-patches` or
 *   `hf:<hub id or folder>`, or names a text encoder where an image encoder is wanted.
 * - `INVALID_OPTION`: an option is out of range or of the wrong type.
 * - `INVALID_INPUT`: `encode` was given something other than strings / images, or a post is
 *   malformed (the message names the post id).
 * - `BAD_IMAGE`: with `onBadImage: 'error'`, {@link extractFeatures} met an image it cannot
 *   use (missing, unreadable, corrupt or truncated, over the pixel limit); the message names the
 *   post id, the file and the reason.
 * - `MODEL_NOT_FOUND`: a transformers.js model is missing; the message lists where it looked
 *   and how to provide the folder.
 * - `MODEL_LOAD_FAILED`: the model files exist but ONNX Runtime or transformers.js refused them.
 * - `UNSUPPORTED_MODEL`: the model gives no `last_hidden_state` (or no `pooler_output` where
 *   `pooling: 'pooler'` asks for one).
 * - `CUDA_UNAVAILABLE`: `device: 'cuda'` was asked for but ONNX Runtime's CUDA provider is not
 *   installed.
 * - `CACHE_MISS`: features were read from a cache that does not hold them (run
 *   {@link extractFeatures} first).
 * - `CACHE_LOCKED`: another live process is writing the same encoder's cache folder.
 * - `CACHE_IO`: the cache folder cannot be read or written.
 * - `ABORTED`: the `signal` passed to {@link extractFeatures} was aborted.
 *
 * @example
 * ```ts
 * let code = '';
 * try { await createTextEncoder('bert-base-uncased'); } catch (e) {
 *   if (e instanceof MmauxEncoderError) code = e.code;
 * }
 * code; // "INVALID_SPEC"
 * ```
 */
export class MmauxEncoderError extends Error {
  /** Stable machine-readable reason; see {@link EncoderErrorCode}. */
  readonly code: EncoderErrorCode;

  /**
   * @param code - the stable reason
   * @param message - what was wrong, with which value, and what to do
   * @param options - `cause`, forwarded to `Error`
   */
  constructor(code: EncoderErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MmauxEncoderError';
    this.code = code;
  }
}
