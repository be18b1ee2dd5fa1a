import { MmauxEncoderError } from './errors.js';
import { type HfImageEncoderOptions, createHfImageEncoder } from './hf-image-encoder.js';
import { type HfTextEncoderOptions, createHfTextEncoder } from './hf-text-encoder.js';
import { type ImagePatchesOptions, createImagePatchesEncoder } from './image-patches-encoder.js';
import { type TextHashOptions, createTextHashEncoder } from './text-hash-encoder.js';
import { createTfjsImageEncoder } from './tfjs/tfjs-image-encoder.js';
import type { TfjsImageEncoderOptions, TfjsTextEncoderOptions } from './tfjs/tfjs-options.js';
import { createTfjsTextEncoder } from './tfjs/tfjs-text-encoder.js';
import type { ImageFeatureEncoder, TextFeatureEncoder } from './types.js';
import { describe } from './validate.js';

/** What an encoder spec names. */
export interface ParsedEncoderSpec {
  /** `'builtin'`, `'hf'` (transformers.js) or `'tfjs'` (a TensorFlow.js model). */
  source: 'builtin' | 'hf' | 'tfjs';
  /** `text-hash` / `image-patches`, the hub id or folder, or the model.json path / URL. */
  name: string;
  /** `tfjs:` only: the node (graph model) or layer (layers model) after `#`, when given. */
  node?: string;
}

/** Options of {@link createTextEncoder}: the built-in encoder's, the transformers.js encoders' and the TensorFlow.js encoders' (each uses its own). */
export interface TextEncoderOptions extends TextHashOptions, HfTextEncoderOptions, TfjsTextEncoderOptions {}

/** Options of {@link createImageEncoder}: the built-in encoder's, the transformers.js encoders' and the TensorFlow.js encoders' (each uses its own). */
export interface ImageEncoderOptions extends ImagePatchesOptions, HfImageEncoderOptions, TfjsImageEncoderOptions {}

const SPEC_FORMS =
  "'builtin:text-hash', 'builtin:image-patches', 'hf:<hub id or local folder>' or 'tfjs:<model.json path, folder or URL>[#node]' " +
  "(e.g. 'hf:Xenova/bert-base-uncased', 'hf:./models/bernice', 'tfjs:./models/mobilenet/model.json')";

/**
 * Splits an encoder spec: `builtin:text-hash`, `builtin:image-patches`,
 * `hf:<hub id or local folder>`, or `tfjs:<model.json path, folder or http(s) URL>[#node]`
 * (the node or layer to read features from after the last `#`).
 *
 * @param spec - the spec string
 * @returns `{ source, name }` (and `node` for a `tfjs:` spec with `#`)
 * @throws MmauxEncoderError `INVALID_SPEC` for anything else (an empty name or node too)
 *
 * @example
 * ```ts
 * parseEncoderSpec('hf:Xenova/bert-base-uncased'); // {"source": "hf", "name": "Xenova/bert-base-uncased"}
 * parseEncoderSpec('builtin:text-hash'); // {"source": "builtin", "name": "text-hash"}
 * parseEncoderSpec('tfjs:./mobilenet/model.json#global_average_pooling2d'); // {"source": "tfjs", "name": "./mobilenet/model.json", "node": "global_average_pooling2d"}
 * 'node' in parseEncoderSpec('tfjs:https://example.com/m/model.json'); // false
 * ```
 */
export function parseEncoderSpec(spec: string): ParsedEncoderSpec {
  if (typeof spec !== 'string') throw new MmauxEncoderError('INVALID_SPEC', `parseEncoderSpec: spec must be a string, got ${describe(spec)}.`);
  if (spec.startsWith('hf:') && spec.length > 3) return { source: 'hf', name: spec.slice(3) };
  if (spec === 'builtin:text-hash' || spec === 'builtin:image-patches') return { source: 'builtin', name: spec.slice(8) };
  if (spec.startsWith('tfjs:')) {
    const body = spec.slice(5).trim();
    const hash = body.lastIndexOf('#');
    const name = (hash < 0 ? body : body.slice(0, hash)).trim();
    const node = hash < 0 ? undefined : body.slice(hash + 1).trim();
    if (name.length === 0) {
      throw new MmauxEncoderError('INVALID_SPEC', `encoder spec ${describe(spec)} names no model; write tfjs:<model.json path, folder or URL>, e.g. 'tfjs:./models/mobilenet/model.json'.`);
    }
    if (node !== undefined && node.length === 0) {
      throw new MmauxEncoderError('INVALID_SPEC', `encoder spec ${describe(spec)} ends in an empty #node; name a node or layer after #, or leave out # for the default (the pooled layer before the classifier).`);
    }
    return node === undefined ? { source: 'tfjs', name } : { source: 'tfjs', name, node };
  }
  throw new MmauxEncoderError('INVALID_SPEC', `encoder spec ${describe(spec)} is not one of ${SPEC_FORMS}.`);
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
 * - `'tfjs:<model.json path, folder or URL>[#node]'`: a TensorFlow.js graph or layers model
 *   (told apart by model.json) that takes strings (`[batch]` string tensor, tokenized in the
 *   graph), dense token ids `[batch, length]` (+ an input named `*mask*`, one named
 *   `*type*`/`*segment*`) or the Universal Sentence Encoder's sparse ids (`indices`, `values`).
 *   Id models need a tokenizer: `vocab.json` (USE's `[[piece, score], …]`) beside model.json,
 *   or the `tokenizer` option. Features come from `#node` or, by default, the input of the
 *   classifier head (a final Dense / MatMul), else the output; a `[batch, length, dim]` node
 *   gives the real tokens (pooled = their mean), a `[batch, dim]` node one token per text. The
 *   optional peers `@tensorflow/tfjs-core` and `@tensorflow/tfjs-converter` /
 *   `@tensorflow/tfjs-layers` are loaded only then (`MISSING_DEPENDENCY` when absent).
 *
 * @param spec - see above
 * @param options - {@link TextEncoderOptions}
 * @returns a loaded {@link TextFeatureEncoder} (transformers.js models are run once on a probe
 *   text to learn their size)
 * @throws MmauxEncoderError `INVALID_SPEC` (an image-only spec too), `INVALID_OPTION`,
 *   `MODEL_NOT_FOUND` (the message says where it looked and how to provide the model),
 *   `MODEL_LOAD_FAILED`, `UNSUPPORTED_MODEL`, `CUDA_UNAVAILABLE`, `MISSING_DEPENDENCY`,
 *   `UNKNOWN_NODE` (a `#node` the model lacks; the message lists the nodes near the output)
 *
 * @example
 * ```ts
 * const enc = await createTextEncoder('builtin:text-hash', { dim: 32 });
 * [enc.kind, enc.dim, enc.maxLength]; // ["text", 32, 128]
 * let code = '';
 * try { await createTextEncoder('hf:/no/such/folder'); } catch (e) { code = (e as MmauxEncoderError).code; }
 * code; // "MODEL_NOT_FOUND"
 * try { await createTextEncoder('tfjs:/no/such/folder/model.json'); } catch (e) { code = (e as MmauxEncoderError).code; }
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
  if (parsed.source === 'tfjs') return createTfjsTextEncoder(spec, parsed.name, parsed.node, options);
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
 * - `'tfjs:<model.json path, folder or URL>[#node]'`: a TensorFlow.js graph or layers model
 *   (told apart by model.json) with one NHWC image input. Images are decoded and resized by the
 *   same sharp pipeline (`resize`: squash or centre crop) to the model's input size (or `size`,
 *   `preset`), and normalised to `range` / `mean` + `std` / the `preset`'s range
 *   ({@link TFJS_IMAGE_PRESETS}; default [0, 1]). Features come from `#node` or, by default,
 *   the input of the classifier head (the pooled / penultimate layer, never the logits); when
 *   that is a global pooling of a spatial map `[h, w, C]`, the map is kept as `h·w` patches and
 *   the pooling's output is pooled; a spatial node itself gives its grid and their mean. Loaded
 *   from a local folder offline, or over http(s) with tfjs's loader; the optional peers
 *   `@tensorflow/tfjs-core` and `@tensorflow/tfjs-converter` / `@tensorflow/tfjs-layers` are
 *   loaded only then, and a TensorFlow.js backend must be registered.
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
 * let code = '';
 * try { await createImageEncoder('tfjs:./models/mobilenet#'); } catch (e) { code = (e as MmauxEncoderError).code; }
 * code; // "INVALID_SPEC"
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
  if (parsed.source === 'tfjs') return createTfjsImageEncoder(spec, parsed.name, parsed.node, options);
  return createHfImageEncoder(spec, options);
}
