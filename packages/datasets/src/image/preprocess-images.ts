import { MmauxDatasetError } from '../errors.js';
import { mapLimit } from '../map-limit.js';
import type { BadImagePolicy } from '../types.js';
import { blankImage } from './blank-image.js';
import { isDecodedImage } from './check-decoded-image.js';
import { type DecodedImage, type ImageDecodeOptions, resolveAutoOrient, resolvePixelLimit } from './decode-image.js';
import { type ImageProblem, imageProblemOf } from './image-problem.js';
import type { ImageRecipe } from './image-recipes.js';
import { resolveRecipe } from './image-recipes.js';
import { lookupTables, pipeline } from './preprocess-image.js';

/** A batch from {@link preprocessImages}: `[count, 3, height, width]`, image after image. */
export interface PreprocessedBatch {
  /** `count · 3 · height · width` values, NCHW. */
  data: Float32Array;
  /** Number of images N (fewer than the sources when some were skipped). */
  count: number;
  /** Always 3. */
  channels: 3;
  /** Rows of every image. */
  height: number;
  /** Columns of every image. */
  width: number;
  /** For each of the N images, the index of its source in `sources` (a skipped source has none). */
  sourceIndex: number[];
  /** Every source that could not be used, in source order, with what was done about it. */
  issues: ImageSourceIssue[];
}

/** A source {@link preprocessImages} could not use. */
export interface ImageSourceIssue {
  /** Its index in `sources`. */
  index: number;
  /** The file path, or `sources[i]` for encoded bytes. */
  source: string;
  /** Missing, corrupt (or truncated) or oversized; see {@link imageProblemOf}. */
  problem: ImageProblem;
  /** The typed error's message, naming the source and what to do. */
  message: string;
  /** `'skipped'`: left out of the batch; `'blanked'`: a white image stands in its place. */
  action: 'skipped' | 'blanked';
}

/** Options of {@link preprocessImages}. */
export interface PreprocessImagesOptions extends Omit<ImageDecodeOptions, 'sourceName'> {
  /**
   * How many images are decoded at once. sharp runs on libuv's thread pool (4 threads unless
   * `UV_THREADPOOL_SIZE` says otherwise), so more than that rarely helps.
   * @defaultValue 4
   */
  concurrency?: number;
  /** Called after each image with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * A path or byte source that cannot be used (missing, corrupt or truncated, over
   * `limitInputPixels`): `'skip'` leaves it out of the batch, `'blank'` puts a white image
   * ({@link blankImage}) in its place, `'error'` rejects the call with its typed error. Skipped
   * and blanked sources are listed in `issues`. A malformed {@link DecodedImage} is a caller's
   * bug and always rejects.
   * @defaultValue `'skip'`
   */
  onBadImage?: BadImagePolicy;
}

/**
 * {@link preprocessImage} over many images, a few at a time, into one NCHW batch (in the order
 * given). A source that cannot be decoded follows `onBadImage`: by default it is left out and
 * listed in `issues` (its index, its name, why), so one broken file among thousands costs that
 * image only; `sourceIndex` maps the batch's images back to `sources`.
 *
 * @param sources - file paths, encoded bytes or decoded images
 * @param recipe - e.g. `IMAGE_RECIPES.resnet`
 * @param options - `concurrency` (4), `onBadImage` (`'skip'`), `limitInputPixels`, `autoOrient`, `onProgress`
 * @returns `{ data, count, channels: 3, height, width, sourceIndex, issues }`
 * @throws MmauxDatasetError `INVALID_OPTION` for a bad option or recipe; with
 *   `onBadImage: 'error'`, the first bad source's own error (`NOT_FOUND`, `BAD_IMAGE`,
 *   `IMAGE_TOO_LARGE`, naming it)
 *
 * @example
 * ```ts
 * const batch = await preprocessImages([blankImage(8, 8, [0, 0, 0]), blankImage(5, 9, [255, 255, 255])], IMAGE_RECIPES.raw224);
 * [batch.count, batch.channels, batch.height, batch.width]; // [2, 3, 224, 224]
 * [batch.data[0], batch.data[3 * 224 * 224]]; // [0, 1]
 * const bad = await preprocessImages([new Uint8Array([1, 2, 3]), blankImage(2, 2)], IMAGE_RECIPES.raw224);
 * [bad.count, bad.sourceIndex]; // [1, [1]]
 * bad.issues.map((i) => [i.index, i.source, i.problem, i.action]); // [[0, "sources[0]", "corrupt", "skipped"]]
 * (await preprocessImages([new Uint8Array(0)], IMAGE_RECIPES.raw224, { onBadImage: 'blank' })).data[0]; // 1
 * ```
 */
export async function preprocessImages(
  sources: ReadonlyArray<string | Uint8Array | DecodedImage>,
  recipe: ImageRecipe,
  options: PreprocessImagesOptions = {},
): Promise<PreprocessedBatch> {
  const fn = 'preprocessImages';
  if (!Array.isArray(sources)) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: sources must be an array of paths, byte arrays or decoded images, got ${typeof sources}.`);
  }
  const r = resolveRecipe(fn, recipe);
  const limit = resolvePixelLimit(fn, options);
  const autoOrient = resolveAutoOrient(fn, options);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: concurrency must be a positive integer, got ${String(concurrency)}.`);
  }
  const policy = options.onBadImage ?? 'skip';
  if (policy !== 'skip' && policy !== 'blank' && policy !== 'error') {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: onBadImage must be 'skip', 'blank' or 'error', got ${JSON.stringify(policy)}.`);
  }
  const per = 3 * r.width * r.height;
  const out = new Float32Array(per * sources.length);
  const luts = lookupTables(r);
  const failed: Array<ImageSourceIssue | undefined> = new Array(sources.length);
  await mapLimit(
    sources,
    concurrency,
    async (source, i) => {
      // Bytes are named by their index, never as an anonymous "<bytes>".
      const named = source instanceof Uint8Array ? { ...options, sourceName: `sources[${i}]` } : options;
      try {
        await pipeline(fn, source, r, luts, limit, autoOrient, named, out, i * per);
      } catch (e) {
        const problem = isDecodedImage(source) ? undefined : imageProblemOf(e);
        if (problem === undefined || policy === 'error') throw e;
        failed[i] = { index: i, source: typeof source === 'string' ? source : `sources[${i}]`, problem, message: (e as Error).message, action: policy === 'blank' ? 'blanked' : 'skipped' };
        if (policy === 'blank') await pipeline(fn, blankImage(r.width, r.height), r, luts, limit, autoOrient, options, out, i * per);
      }
    },
    options.onProgress,
  );
  const issues = failed.filter((f): f is ImageSourceIssue => f !== undefined);
  const sourceIndex = sources.map((_, i) => i).filter((i) => failed[i]?.action !== 'skipped');
  let data = out;
  if (sourceIndex.length < sources.length) {
    data = new Float32Array(per * sourceIndex.length);
    sourceIndex.forEach((from, to) => data.set(out.subarray(from * per, (from + 1) * per), to * per));
  }
  return { data, count: sourceIndex.length, channels: 3, height: r.height, width: r.width, sourceIndex, issues };
}
