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
  | 'MISSING_DEPENDENCY'
  | 'UNKNOWN_NODE'
  | 'CACHE_MISS'
  | 'CACHE_LOCKED'
  | 'CACHE_IO'
  | 'ABORTED';

/**
 * The one error class `@mmaux/encoders` throws. `code` is stable across versions; the message
 * names the function, the value (spec, folder, file, post id) and what to do.
 *
 * - `INVALID_SPEC`: an encoder spec is not `builtin:text-hash`, `builtin:image-patches`,
 *   `hf:<hub id or folder>` or `tfjs:<model.json path or URL>[#node]`, or names a text encoder
 *   where an image encoder is wanted.
 * - `INVALID_OPTION`: an option is out of range or of the wrong type.
 * - `INVALID_INPUT`: `encode` was given something other than strings / images, or a post is
 *   malformed (the message names the post id).
 * - `BAD_IMAGE`: with `onBadImage: 'error'`, {@link extractFeatures} met an image it cannot
 *   use (missing, unreadable, corrupt or truncated, over the pixel limit); the message names the
 *   post id, the file and the reason.
 * - `MODEL_NOT_FOUND`: a transformers.js model, a TensorFlow.js `model.json`, one of its weight
 *   shards or its vocabulary is missing (or downloads are off); the message lists where it
 *   looked and how to provide the files.
 * - `MODEL_LOAD_FAILED`: the model files exist but ONNX Runtime, transformers.js or TensorFlow.js
 *   refused them (bad JSON, truncated weights, an unknown layer or op, a failed test run).
 * - `UNSUPPORTED_MODEL`: the model gives no `last_hidden_state` (or no `pooler_output` where
 *   `pooling: 'pooler'` asks for one); a TensorFlow.js model whose inputs are not one NHWC image
 *   (image encoders) or strings / token ids (text encoders).
 * - `MISSING_DEPENDENCY`: a `tfjs:` spec was used but an optional peer (`@tensorflow/tfjs-core`,
 *   `@tensorflow/tfjs-converter` for graph models, `@tensorflow/tfjs-layers` for layers models)
 *   is not installed, or no TensorFlow.js backend is registered; the message says what to install.
 * - `UNKNOWN_NODE`: the `#node` of a `tfjs:` spec is not a node (graph model) or layer (layers
 *   model) of the model; the message lists the candidates near the output.
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
