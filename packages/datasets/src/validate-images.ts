import { availableParallelism } from 'node:os';
import { MmauxDatasetError } from './errors.js';
import { DEFAULT_LIMIT_INPUT_PIXELS, decodeImage } from './image/decode-image.js';
import { type ImageProblem, imageProblemOf } from './image/image-problem.js';
import { probeImage } from './image/probe-image.js';
import { loadDataset } from './load-dataset.js';
import { mapLimit } from './map-limit.js';
import type { DatasetName, LoadDatasetOptions, LoadedDataset, Post } from './types.js';

/** Options of {@link validateImages}. */
export interface ValidateImagesOptions {
  /**
   * Largest accepted width × height; larger images are reported as oversized.
   * @defaultValue 178956970 ({@link DEFAULT_LIMIT_INPUT_PIXELS}, the limit the image pipeline applies)
   */
  limitInputPixels?: number;
  /**
   * Images checked at the same time.
   * @defaultValue the number of CPUs (at most 16)
   */
  concurrency?: number;
  /**
   * `'full'` decodes every image exactly as extraction does ({@link decodeImage}), so an image
   * that passes is one extraction accepts; it is the only way to find a truncated file.
   * `'header'` reads only each file's header (several times faster: finds missing, unreadable,
   * mislabelled and oversized files, but passes a file whose pixel data is cut short).
   * @defaultValue 'full'
   */
  decode?: 'header' | 'full';
  /** Called after each image with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** One image that cannot be used. */
export interface ImageIssue {
  /** The post's id. */
  id: string;
  /** The image file. */
  path: string;
  /** `'missing'`: no such file; `'corrupt'`: not a decodable image (or truncated); `'oversized'`: over `limitInputPixels`. */
  problem: ImageProblem;
  /** What the image pipeline said (the typed error's message). */
  message: string;
}

/** What {@link validateImages} found. */
export interface ImageValidation {
  /** Posts with an image path that were checked. */
  checked: number;
  /** Images that passed. */
  ok: number;
  /** Posts without an image (`imagePath: null`), not checked. */
  withoutImage: number;
  /** Ids of posts whose image file does not exist. */
  missing: string[];
  /** Ids of posts whose image cannot be decoded. */
  corrupt: string[];
  /** Ids of posts whose image is over the pixel limit. */
  oversized: string[];
  /** Every problem with its file and message, in post order. */
  issues: ImageIssue[];
}

/** Runs the image through the pipeline's own checks, so what passes here decodes there. */
async function checkOne(path: string, limit: number, full: boolean): Promise<Omit<ImageIssue, 'id' | 'path'> | null> {
  try {
    await (full ? decodeImage : probeImage)(path, { limitInputPixels: limit });
    return null;
  } catch (err) {
    const problem = imageProblemOf(err);
    if (problem === undefined) throw err;
    return { problem, message: (err as Error).message };
  }
}

/**
 * Checks the images of loaded posts with the project's image pipeline, without keeping any
 * pixels: every pixel decoded as extraction decodes it ({@link decodeImage}, the default
 * `decode: 'full'`), or with `decode: 'header'` each file's header only ({@link probeImage},
 * faster, but blind to truncated pixel data). With `'full'`, an image that passes is one the
 * pipeline will decode. `concurrency` images are checked at once, `onProgress` after each.
 * Loading stays lazy; run this once (e.g. from `mmaux data check`) and exclude what it reports.
 *
 * @param posts - posts (or anything with `id` and `imagePath`)
 * @param options - `limitInputPixels`, `concurrency`, `decode`, `onProgress`
 * @returns counts, the ids of missing, corrupt and oversized images, and every issue with its message
 * @throws MmauxDatasetError `INVALID_OPTION` for a bad option
 *
 * @example
 * ```ts
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmaux-doc-'));
 * fs.writeFileSync(path.join(dir, 'bad.jpg'), 'not an image');
 * const posts = [{ id: 'a', imagePath: path.join(dir, 'bad.jpg') }, { id: 'b', imagePath: path.join(dir, 'gone.jpg') }, { id: 'c', imagePath: null }];
 * const v = await validateImages(posts, { concurrency: 2, decode: 'header' });
 * [v.checked, v.ok, v.withoutImage]; // [2, 0, 1]
 * v.corrupt; // ["a"]
 * v.missing; // ["b"]
 * fs.rmSync(dir, { recursive: true });
 * ```
 */
export async function validateImages(
  posts: ReadonlyArray<Pick<Post, 'id' | 'imagePath'>>,
  options: ValidateImagesOptions = {},
): Promise<ImageValidation> {
  const fn = 'validateImages';
  const limit = options.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: limitInputPixels must be a positive integer, got ${String(limit)}.`);
  }
  const concurrency = options.concurrency ?? Math.min(16, availableParallelism());
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: concurrency must be a positive integer, got ${String(concurrency)}.`);
  }
  const decode = options.decode ?? 'full';
  if (decode !== 'header' && decode !== 'full') {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: decode must be 'header' or 'full', got ${JSON.stringify(decode)}.`);
  }
  const todo = posts.filter((p) => p.imagePath !== null && p.imagePath !== undefined);
  const results = await mapLimit(todo, concurrency, (p) => checkOne(p.imagePath!, limit, decode === 'full'), options.onProgress);
  const out: ImageValidation = { checked: todo.length, ok: 0, withoutImage: posts.length - todo.length, missing: [], corrupt: [], oversized: [], issues: [] };
  todo.forEach((p, i) => {
    const r = results[i];
    if (r === null || r === undefined) {
      out.ok += 1;
      return;
    }
    out[r.problem].push(p.id);
    out.issues.push({ id: p.id, path: p.imagePath!, ...r });
  });
  return out;
}

/** What {@link checkDataset} returns. */
export interface DatasetCheck {
  /** The loaded data set (posts, classes, report). */
  dataset: LoadedDataset;
  /** What {@link validateImages} found in its posts' images. */
  images: ImageValidation;
}

/**
 * {@link loadDataset} followed by {@link validateImages} on the posts it kept: everything
 * `mmaux data check` reports about a data folder.
 *
 * @param name - which data set
 * @param root - its folder (for `manifest`, the manifest file)
 * @param options - {@link loadDataset}'s options, plus `images` for {@link validateImages}
 * @returns `{ dataset, images }`
 * @throws what loadDataset and validateImages throw
 *
 * @example
 * ```ts
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmaux-doc-'));
 * fs.writeFileSync(path.join(dir, 'a.jpg'), 'truncated');
 * fs.writeFileSync(path.join(dir, 'm.jsonl'), '{"id":"a","text":"hi","image":"a.jpg","label":0}\n');
 * const { dataset, images } = await checkDataset('manifest', path.join(dir, 'm.jsonl'));
 * dataset.report.kept; // 1
 * images.corrupt; // ["a"]
 * fs.rmSync(dir, { recursive: true });
 * ```
 */
export async function checkDataset(
  name: DatasetName,
  root: string,
  options: LoadDatasetOptions & { images?: ValidateImagesOptions } = {},
): Promise<DatasetCheck> {
  const { images: imageOptions, ...loadOptions } = options;
  const dataset = await loadDataset(name, root, loadOptions);
  return { dataset, images: await validateImages(dataset.posts, imageOptions) };
}
