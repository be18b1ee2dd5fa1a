// Input size and pixel normalisation of the common image model families, and how the options of
// a `tfjs:` image encoder resolve to one recipe.
import type { ImageRecipe } from '@mmaux/datasets';
import { MmauxEncoderError } from '../errors.js';
import { describe, oneOf, positiveInt } from '../validate.js';

/** Names of {@link TFJS_IMAGE_PRESETS}. */
export type TfjsImagePreset = 'mobilenet-v1' | 'mobilenet-v2' | 'mobilenet-v3' | 'efficientnet' | 'inception-v3' | 'tfhub';

/** Input size and pixel range of one model family. */
export interface TfjsImagePresetInfo {
  /** Square input side in pixels (used when the model's input does not fix it). */
  size: number;
  /** Pixels 0…255 are mapped linearly onto `[range[0], range[1]]`. */
  range: readonly [number, number];
  /** Which exports the preset matches. */
  matches: string;
}

/**
 * Input size and pixel range of the common TensorFlow.js image model families, for the
 * `preset` option of a `tfjs:` image encoder. What a model expects depends on how it was
 * exported, not only on the family — check the model card and override with `range` / `size`:
 *
 * | preset | size | range | matches |
 * | --- | ---: | --- | --- |
 * | `mobilenet-v1` | 224 | [-1, 1] | Keras `MobileNet` + `preprocess_input`, TF-slim MobileNet v1 checkpoints |
 * | `mobilenet-v2` | 224 | [-1, 1] | Keras `MobileNetV2` + `preprocess_input`, TF-slim MobileNet v2 checkpoints |
 * | `mobilenet-v3` | 224 | [0, 1] | TF Hub / Kaggle MobileNet v3 feature vectors (Keras `MobileNetV3*` rescales inside: use `range: [0, 255]`) |
 * | `efficientnet` | 224 | [0, 1] | TF Hub EfficientNet (B0) / EfficientNetV2 feature vectors (Keras `EfficientNet*` normalises inside: `range: [0, 255]`; B1–B7 want 240–600 px) |
 * | `inception-v3` | 299 | [-1, 1] | Keras `InceptionV3` + `preprocess_input` (TF Hub's Inception v3 wants [0, 1]: use `tfhub` with `size: 299`) |
 * | `tfhub` | 224 | [0, 1] | TF Hub's common image signature (any size the model's input fixes) |
 *
 * @example
 * ```ts
 * TFJS_IMAGE_PRESETS['mobilenet-v2'].range; // [-1, 1]
 * TFJS_IMAGE_PRESETS['inception-v3'].size; // 299
 * ```
 */
export const TFJS_IMAGE_PRESETS: Readonly<Record<TfjsImagePreset, Readonly<TfjsImagePresetInfo>>> = Object.freeze({
  'mobilenet-v1': Object.freeze({ size: 224, range: Object.freeze([-1, 1] as const), matches: 'Keras MobileNet + preprocess_input; TF-slim MobileNet v1' }),
  'mobilenet-v2': Object.freeze({ size: 224, range: Object.freeze([-1, 1] as const), matches: 'Keras MobileNetV2 + preprocess_input; TF-slim MobileNet v2' }),
  'mobilenet-v3': Object.freeze({ size: 224, range: Object.freeze([0, 1] as const), matches: 'TF Hub MobileNet v3 feature vectors' }),
  efficientnet: Object.freeze({ size: 224, range: Object.freeze([0, 1] as const), matches: 'TF Hub EfficientNet B0 / EfficientNetV2 feature vectors' }),
  'inception-v3': Object.freeze({ size: 299, range: Object.freeze([-1, 1] as const), matches: 'Keras InceptionV3 + preprocess_input' }),
  tfhub: Object.freeze({ size: 224, range: Object.freeze([0, 1] as const), matches: "TF Hub's common image signature" }),
});

/** @internal What the options resolve to. */
export interface ResolvedImageInput {
  width: number;
  height: number;
  recipe: ImageRecipe;
  /** For the id: `range=-1,1` or `mean=…;std=…`, plus the resize mode. */
  idPart: string;
}

/** @internal The image options that decide the input. */
export interface ImageInputOptions {
  preset?: TfjsImagePreset;
  size?: number;
  range?: readonly [number, number];
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
  resize?: 'squash' | 'center-crop';
}

const triple = (fn: string, name: string, v: unknown): [number, number, number] => {
  if (!Array.isArray(v) || v.length !== 3 || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: ${name} must be three finite numbers (R, G, B) on the [0, 1] pixel scale, got ${describe(v)}.`);
  }
  return [v[0], v[1], v[2]] as [number, number, number];
};

const num = (x: number): string => String(Number(x.toPrecision(8)));

/**
 * @internal Size: `size`, else the model's fixed input size, else the preset's, else 224 (an
 * explicit `size` must agree with a fixed model input). Normalisation: `range`, or `mean` +
 * `std` (on pixels / 255), else the preset's range, else [0, 1].
 */
export function resolveImageInput(fn: string, spec: string, options: ImageInputOptions, modelSize: { height: number; width: number } | null): ResolvedImageInput {
  const preset = options.preset === undefined ? undefined : oneOf(fn, 'preset', options.preset, Object.keys(TFJS_IMAGE_PRESETS) as TfjsImagePreset[], 'tfhub');
  const info = preset === undefined ? undefined : TFJS_IMAGE_PRESETS[preset];
  const size = options.size === undefined ? undefined : positiveInt(fn, 'size', options.size, 224, 4096);
  if (size !== undefined && modelSize !== null && (modelSize.width !== size || modelSize.height !== size)) {
    throw new MmauxEncoderError(
      'INVALID_OPTION',
      `${fn}: size ${size} was asked for, but the input of "${spec}" is fixed at ${modelSize.height}×${modelSize.width}; leave size out (the model's size is used).`,
    );
  }
  const width = modelSize?.width ?? size ?? info?.size ?? 224;
  const height = modelSize?.height ?? size ?? info?.size ?? 224;
  const resize = oneOf(fn, 'resize', options.resize, ['squash', 'center-crop'] as const, 'squash');
  if ((options.mean === undefined) !== (options.std === undefined)) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: mean and std go together (pixels / 255, minus mean, over std); give both, or range instead.`);
  }
  if (options.range !== undefined && options.mean !== undefined) {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: give either range or mean + std, not both.`);
  }
  let mean: [number, number, number];
  let std: [number, number, number];
  let norm: string;
  if (options.mean !== undefined) {
    mean = triple(fn, 'mean', options.mean);
    std = triple(fn, 'std', options.std);
    if (std.some((s) => s === 0)) throw new MmauxEncoderError('INVALID_OPTION', `${fn}: std must not contain 0, got ${JSON.stringify(std)}.`);
    norm = `mean=${mean.map(num).join(',')};std=${std.map(num).join(',')}`;
  } else {
    const range = options.range ?? info?.range ?? ([0, 1] as const);
    if (!Array.isArray(range) || range.length !== 2 || range.some((x) => typeof x !== 'number' || !Number.isFinite(x)) || range[0] === range[1]) {
      throw new MmauxEncoderError('INVALID_OPTION', `${fn}: range must be two different finite numbers [low, high] that pixels 0…255 map onto (e.g. [-1, 1], [0, 1], [0, 255]), got ${describe(range)}.`);
    }
    const [lo, hi] = range as readonly [number, number];
    // lo + (hi − lo)·p/255 = (p/255 − mean) / std with std = 1/(hi − lo), mean = −lo/(hi − lo)
    const s = 1 / (hi - lo);
    const m = -lo / (hi - lo);
    mean = [m, m, m];
    std = [s, s, s];
    norm = `range=${num(lo)},${num(hi)}`;
  }
  const recipe: ImageRecipe =
    resize === 'squash'
      ? { resize: { mode: 'squash', width, height }, mean, std, kernel: 'bilinear' }
      : { resize: { mode: 'shorter-side-center-crop', shorterSide: Math.max(width, height), cropWidth: width, cropHeight: height }, mean, std, kernel: 'bilinear' };
  return { width, height, recipe, idPart: `${norm};resize=${resize}` };
}
