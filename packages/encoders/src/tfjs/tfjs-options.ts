import type { TfjsImagePreset } from './image-presets.js';
import type { TfjsTokenizer } from './unigram-tokenizer.js';

/** Options of every `tfjs:` encoder (TensorFlow.js graph or layers models). */
export interface TfjsEncoderOptions {
  /**
   * Allow loading `http(s)://` model URLs (with tfjs's own http loader). When `false`, a URL
   * spec fails with `MODEL_NOT_FOUND`; local folders always work offline.
   * @defaultValue true
   */
  allowRemote?: boolean;
  /**
   * The `fetch` used for http(s) URLs (a proxy, authentication, a test double).
   * @defaultValue `globalThis.fetch`
   */
  fetchFunc?: typeof fetch;
  /**
   * Inputs per model call inside `encode`; the features do not depend on it.
   * @defaultValue 16 (images), 32 (texts)
   */
  batchSize?: number;
}

/** Options of a `tfjs:` image encoder. */
export interface TfjsImageEncoderOptions extends TfjsEncoderOptions {
  /**
   * Input size and pixel range of a model family ({@link TFJS_IMAGE_PRESETS}): `'mobilenet-v1'`,
   * `'mobilenet-v2'`, `'mobilenet-v3'`, `'efficientnet'`, `'inception-v3'`, `'tfhub'`. `size`,
   * `range` and `mean` / `std` override it.
   * @defaultValue none: the model's input size (224 when it does not fix one) and range [0, 1]
   */
  preset?: TfjsImagePreset;
  /**
   * Square input side in pixels, for models whose input size is not fixed (a fixed one must
   * agree).
   * @defaultValue the model's input size, else the preset's, else 224
   */
  size?: number;
  /**
   * Pixels 0…255 are mapped linearly onto `[low, high]`: `[-1, 1]` (MobileNet v1/v2, Keras
   * Inception), `[0, 1]` (TF Hub), `[0, 255]` (Keras models that normalise inside).
   * @defaultValue the preset's, else [0, 1]
   */
  range?: readonly [number, number];
  /**
   * Per-channel mean (R, G, B) subtracted from pixels / 255, with `std` (ImageNet:
   * `[0.485, 0.456, 0.406]`, `[0.229, 0.224, 0.225]`); instead of `range`.
   * @defaultValue none
   */
  mean?: readonly [number, number, number];
  /**
   * Per-channel standard deviation, see `mean`.
   * @defaultValue none
   */
  std?: readonly [number, number, number];
  /**
   * `'squash'`: resize to the input size ignoring the aspect ratio (what tfjs-models and TF Hub
   * examples do); `'center-crop'`: shorter side to the input size, then the central square.
   * @defaultValue `'squash'`
   */
  resize?: 'squash' | 'center-crop';
  /**
   * Images decoded at once (sharp, `@mmaux/datasets`' `decodeImage`).
   * @defaultValue 4
   */
  concurrency?: number;
  /**
   * Passed to `decodeImage`: refuse larger images with `IMAGE_TOO_LARGE`.
   * @defaultValue `@mmaux/datasets`' default (178956970 pixels)
   */
  limitInputPixels?: number;
}

/** Options of a `tfjs:` text encoder. */
export interface TfjsTextEncoderOptions extends TfjsEncoderOptions {
  /**
   * Token ids per text for models that take ids (texts are cut to it); a model whose input
   * fixes the length uses that length instead.
   * @defaultValue 128
   */
  maxLength?: number;
  /**
   * For models that take token ids: a {@link TfjsTokenizer} (`{ id, encode(text) }`), or the
   * path of a `vocab.json` in the Universal Sentence Encoder format (`[[piece, score], …]`,
   * read with {@link createUnigramTokenizer}). Not used by models that take strings.
   * @defaultValue `vocab.json` beside model.json (on disk, or at the model's URL)
   */
  tokenizer?: string | TfjsTokenizer;
  /**
   * The id that pads a text to the model's length (dense id inputs).
   * @defaultValue 0
   */
  padId?: number;
}
