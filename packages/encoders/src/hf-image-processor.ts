// The image processor of a transformers.js image model (`hf:` spec) alone: the pixel values the
// model would see, for a re-implementation of the encoder that runs elsewhere (the frozen lower
// layers of a fine-tuned ViT in @mmaux/fusion's ImageEncoderLayers), with an id that changes
// with the files. Images go through the same decode (sharp) and processor as the hf: image encoder.
import { DEFAULT_LIMIT_INPUT_PIXELS } from '@mmaux/datasets';
import { MmauxEncoderError } from './errors.js';
import { type HfEncoderOptions, loadHfModel, tensorFloats } from './hf-model.js';
import type { HfImageProcessor } from './hf-runtime.js';
import { checkImages, decodeInput } from './image-input.js';
import type { ImageInput } from './types.js';
import { mapLimit, positiveInt } from './validate.js';

/** Options of {@link createHfImageProcessor}. */
export interface HfImageProcessorOptions extends Pick<HfEncoderOptions, 'allowRemote' | 'localModelPath' | 'cacheDir' | 'revision'> {
  /** Images decoded at once. @defaultValue 4 */
  concurrency?: number;
  /** Passed to `decodeImage`: refuse larger images with `IMAGE_TOO_LARGE`. @defaultValue `@mmaux/datasets`' default */
  limitInputPixels?: number;
}

/** Pixel values of N images, `[N, C, H, W]` row-major (channels first), as the model's processor gives them. */
export interface HfPixelValues {
  pixelValues: Float32Array;
  shape: { n: number; channels: number; height: number; width: number };
}

/** A model's image processor, as {@link createHfImageProcessor} returns it. */
export interface HfImagePreprocessor {
  /** `hf:<name>;files=<hash>` (or `;rev=`): the same files give the same pixels. */
  readonly id: string;
  readonly spec: string;
  /** The parsed `config.json`. */
  readonly config: Record<string, unknown>;
  /** The pixel limit images are decoded under. */
  readonly limitInputPixels: number;
  /** Decodes and processes images as the `hf:` image encoder does (resize, rescale, normalise). */
  preprocess(images: readonly ImageInput[]): Promise<HfPixelValues>;
}

/**
 * Loads the image processor (`preprocessor_config.json`) of a `hf:` image model (local folder or
 * hub id, as `createImageEncoder` resolves it). The ONNX model is opened once to check the folder
 * and closed again.
 *
 * @param spec - `hf:<hub id or folder>`
 * @param options - where to look; `concurrency` (4), `limitInputPixels`
 * @returns a processor with a stable id
 * @throws MmauxEncoderError `MODEL_NOT_FOUND` (no config or processor files), `INVALID_SPEC`
 *
 * @example
 * ```ts
 * let code = '';
 * try { await createHfImageProcessor('hf:/no/such/folder'); } catch (e) { code = (e as MmauxEncoderError).code; }
 * code; // "MODEL_NOT_FOUND"
 * ```
 */
export async function createHfImageProcessor(spec: string, options: HfImageProcessorOptions = {}): Promise<HfImagePreprocessor> {
  const fn = 'createHfImageProcessor';
  if (typeof spec !== 'string' || !spec.startsWith('hf:')) throw new MmauxEncoderError('INVALID_SPEC', `${fn}: "${String(spec)}" is not a hf: spec; write hf:<hub id> or hf:<folder>.`);
  const concurrency = positiveInt(fn, 'concurrency', options.concurrency, 4, 256);
  const loaded = await loadHfModel(fn, spec, 'image', options);
  let processor: HfImageProcessor;
  try {
    processor = await loaded.transformers.AutoImageProcessor.from_pretrained(loaded.location, loaded.loadOptions);
  } catch (e) {
    throw new MmauxEncoderError(
      'MODEL_NOT_FOUND',
      `${fn}: the image processor of "${spec}" is missing or unreadable (${(e as Error).message}); ${loaded.folder ?? loaded.location} needs preprocessor_config.json.`,
      { cause: e },
    );
  } finally {
    await loaded.model.dispose().catch(() => {});
  }
  const limitInputPixels = options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  return {
    id: loaded.idBase,
    spec,
    config: loaded.config,
    limitInputPixels,
    async preprocess(images) {
      checkImages('imageProcessor.preprocess', images);
      const decoded = await mapLimit(images, concurrency, (img) => decodeInput(img, limitInputPixels));
      const raws = decoded.map((d) => new loaded.transformers.RawImage(d.data, d.width, d.height, 3));
      const px = (await processor(raws)).pixel_values;
      if (px === undefined || px.dims.length !== 4) {
        throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${fn}: the image processor of "${spec}" gives no pixel_values [batch, channels, height, width].`);
      }
      const [n, channels, height, width] = px.dims as [number, number, number, number];
      return { pixelValues: Float32Array.from(tensorFloats(px).subarray(0, n * channels * height * width)), shape: { n, channels, height, width } };
    },
  };
}
