import { MmauxEncoderError } from './errors.js';
import { type HfImageEncoderOptions, createHfImageEncoder } from './hf-image-encoder.js';
import { type HfTextEncoderOptions, createHfTextEncoder } from './hf-text-encoder.js';
import { type ImagePatchesOptions, createImagePatchesEncoder } from './image-patches-encoder.js';
import { type TextHashOptions, createTextHashEncoder } from './text-hash-encoder.js';
import type { ImageFeatureEncoder, TextFeatureEncoder } from './types.js';
import { describe } from './validate.js';

/** What an encoder spec names. */
export interface ParsedEncoderSpec {
  /** `'builtin'` or `'hf'` (transformers.js). */
  source: 'builtin' | 'hf';
  /** `text-hash` / `image-patches`, or the hub id or folder. */
  name: string;
}

/** Options of {@link createTextEncoder}: the built-in encoder's and the transformers.js encoders' (each uses its own). */
export interface TextEncoderOptions extends TextHashOptions, HfTextEncoderOptions {}

/** Options of {@link createImageEncoder}: the built-in encoder's and the transformers.js encoders' (each uses its own). */
export interface ImageEncoderOptions extends ImagePatchesOptions, HfImageEncoderOptions {}

/**
 * Splits an encoder spec: `builtin:text-hash`, `builtin:image-patches`, or
 * `hf:<hub id or local folder>`.
 *
 * @param spec - the spec string
 * @returns `{ source, name }`
 * @throws MmauxEncoderError `INVALID_SPEC` for anything else
 *
 * @example
 * ```ts
 * parseEncoderSpec('hf:Xenova/bert-base-uncased'); // {"source": "hf", "name": "Xenova/bert-base-uncased"}
 * parseEncoderSpec('builtin:text-hash'); // {"source": "builtin", "name": "text-hash"}
 * ```
 */
export function parseEncoderSpec(spec: string): ParsedEncoderSpec {
  if (typeof spec !== 'string') throw new MmauxEncoderError('INVALID_SPEC', `parseEncoderSpec: spec must be a string, got ${describe(spec)}.`);
  if (spec.startsWith('hf:') && spec.length > 3) return { source: 'hf', name: spec.slice(3) };
  if (spec === 'builtin:text-hash' || spec === 'builtin:image-patches') return { source: 'builtin', name: spec.slice(8) };
  throw new MmauxEncoderError(
    'INVALID_SPEC',
    `encoder spec ${describe(spec)} is not one of 'builtin:text-hash', 'builtin:image-patches' or 'hf:<hub id or local folder>' ` +
      "(e.g. 'hf:Xenova/bert-base-uncased', 'hf:./models/bernice').",
  );
}

/**
 * Creates a text encoder from a spec:
 *
 * - `'builtin:text-hash'`: the offline hashed n-gram encoder ({@link createTextHashEncoder});
 * - `'hf:<hub id or folder>'`: a transformers.js model whose output has `last_hidden_state`
 *   (BERT, BERTweet, RoBERTa, XLM-R models such as Bernice converted to ONNX, the CLIP / SigLIP
 *   text tower). A folder needs `config.json`, `tokenizer.json`, `tokenizer_config.json` and
 *   `onnx/model.onnx` (or `model_quantized.onnx` etc. with `dtype` / `quantized`; CLIP:
 *   `onnx/text_model.onnx`). Token features are `last_hidden_state` at the real tokens, texts
 *   cut to `maxLength` (128); pooled is the first token (`pooling`).
 *
 * @param spec - see above
 * @param options - {@link TextEncoderOptions}
 * @returns a loaded {@link TextFeatureEncoder} (transformers.js models are run once on a probe
 *   text to learn their size)
 * @throws MmauxEncoderError `INVALID_SPEC` (an image-only spec too), `INVALID_OPTION`,
 *   `MODEL_NOT_FOUND` (the message says where it looked and how to provide the model),
 *   `MODEL_LOAD_FAILED`, `UNSUPPORTED_MODEL`, `CUDA_UNAVAILABLE`
 *
 * @example
 * ```ts
 * const enc = await createTextEncoder('builtin:text-hash', { dim: 32 });
 * [enc.kind, enc.dim, enc.maxLength]; // ["text", 32, 128]
 * let code = '';
 * try { await createTextEncoder('hf:/no/such/folder'); } catch (e) { code = (e as MmauxEncoderError).code; }
 * code; // "MODEL_NOT_FOUND"
 * ```
 */
export async function createTextEncoder(spec: string, options: TextEncoderOptions = {}): Promise<TextFeatureEncoder> {
  const parsed = parseEncoderSpec(spec);
  if (parsed.source === 'builtin') {
    if (parsed.name !== 'text-hash') {
      throw new MmauxEncoderError('INVALID_SPEC', `createTextEncoder: ${spec} is an image encoder; use createImageEncoder, or 'builtin:text-hash' for text.`);
    }
    return createTextHashEncoder(options);
  }
  return createHfTextEncoder(spec, options);
}

/**
 * Creates an image encoder from a spec:
 *
 * - `'builtin:image-patches'`: the offline colour / gradient patch descriptor
 *   ({@link createImagePatchesEncoder});
 * - `'hf:<hub id or folder>'`: a transformers.js vision model whose output has
 *   `last_hidden_state` — ViT, DeiT, BEiT (tokens: CLS first, then the patch grid; pooled = CLS),
 *   ResNet and other CNNs (the spatial map `[C, h, w]` becomes `h·w` patches of size C; pooled =
 *   their mean), the CLIP / SigLIP vision tower (pooled = `pooler_output`). A folder needs
 *   `config.json`, `preprocessor_config.json` and `onnx/model.onnx` (CLIP:
 *   `onnx/vision_model.onnx`). Images are decoded by `@mmaux/datasets`' sharp pipeline and
 *   resized / normalised by the model's own image processor.
 *
 * @param spec - see above
 * @param options - {@link ImageEncoderOptions}
 * @returns a loaded {@link ImageFeatureEncoder}
 * @throws MmauxEncoderError as {@link createTextEncoder}
 *
 * @example
 * ```ts
 * const enc = await createImageEncoder('builtin:image-patches');
 * [enc.kind, enc.dim, enc.patches]; // ["image", 40, 36]
 * enc.grid; // {"rows": 6, "cols": 6, "prefixTokens": 0}
 * ```
 */
export async function createImageEncoder(spec: string, options: ImageEncoderOptions = {}): Promise<ImageFeatureEncoder> {
  const parsed = parseEncoderSpec(spec);
  if (parsed.source === 'builtin') {
    if (parsed.name !== 'image-patches') {
      throw new MmauxEncoderError('INVALID_SPEC', `createImageEncoder: ${spec} is a text encoder; use createTextEncoder, or 'builtin:image-patches' for images.`);
    }
    return createImagePatchesEncoder(options);
  }
  return createHfImageEncoder(spec, options);
}
