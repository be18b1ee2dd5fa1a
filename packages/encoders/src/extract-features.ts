import { readFile } from 'node:fs/promises';
import { type DecodedImage, DEFAULT_LIMIT_INPUT_PIXELS, blankImage } from '@mmaux/datasets';
import { MmauxEncoderError } from './errors.js';
import { type BatchImageContext, batchImages, type ExtractBadImage, type ExtractBadImagePolicy } from './extract-images.js';
import type { FeatureCache } from './feature-cache/index.js';
import { formatBytes } from './format-bytes.js';
import { blankImageKey, imageKey, textKey } from './hash.js';
import type { ImageFeatureEncoder, ImageFeatures, PooledFeatures, TextFeatureEncoder, TextFeatures } from './types.js';
import { describe, mapLimit, positiveInt } from './validate.js';

/** The post fields extraction reads (the `Post` of `@mmaux/datasets` has them). */
export interface ExtractPost {
  /** Post id (used in error messages). */
  id: string;
  /** The text given to the text encoder, as is. */
  text: string;
  /** Image file path, or `null` for a post without an image (a blank image stands in). */
  imagePath: string | null;
  /** `true` when a blank image stands in for a missing one (informational; `imagePath` is `null` then). */
  blankImage?: boolean;
}

/** The encoders to run: either or both. */
export interface ExtractEncoders {
  /** Text encoder. */
  text?: TextFeatureEncoder;
  /** Image encoder. */
  image?: ImageFeatureEncoder;
}

/** One progress report of {@link extractFeatures}. */
export interface ExtractProgress {
  /** `'extract'` after each batch, `'done'` once at the end (with the cache size). */
  phase: 'extract' | 'done';
  /** Posts handled so far. */
  done: number;
  /** Posts in total. */
  total: number;
  /** Inputs (texts and images) found in the cache so far. */
  cached: number;
  /** Inputs encoded so far in this run. */
  computed: number;
  /** Posts whose image could not be used so far (skipped or blanked, see `onBadImage`). */
  badImages: number;
  /** Posts per second in this run. */
  rate: number;
  /** Estimated seconds left (0 when done). */
  etaSeconds: number;
  /** Seconds since the start of this run. */
  elapsedSeconds: number;
  /** Bytes of the cache on disk (only on `'done'`). */
  bytes?: number;
  /** A line for people, e.g. `"extract 640/1000 posts (64.0%), 210 posts/s, ETA 2s; 300 cached, 980 computed"` (`; 2 bad images` when there are some). */
  message: string;
}

/** Options of {@link extractFeatures}. */
export interface ExtractOptions {
  /**
   * Posts per batch: one `encode` call per encoder per batch; progress is reported after each.
   * @defaultValue 32
   */
  batchSize?: number;
  /** Called after each batch and once at the end; throwing from it stops the extraction (what was written stays). */
  onProgress?: (progress: ExtractProgress) => void;
  /** Stops the extraction between batches (`ABORTED`); what was computed is written first. */
  signal?: AbortSignal;
  /**
   * Check every existing shard of these encoders against its checksums before trusting it
   * (`'full'`: one read of the cache; `'none'`: trust the index, shards are still checked when
   * read).
   * @defaultValue `'full'`
   */
  verify?: 'full' | 'none';
  /**
   * The blank image used for posts with `imagePath: null` (size and colour; `@mmaux/datasets`'
   * `blankImage`).
   * @defaultValue `{ width: 224, height: 224, rgb: [255, 255, 255] }`
   */
  blankImage?: { width: number; height: number; rgb?: [number, number, number] };
  /**
   * Image files read (and, when not cached, decoded) at once.
   * @defaultValue 8
   */
  readConcurrency?: number;
  /**
   * A post whose image cannot be used: missing or unreadable, not a JPEG/PNG/WebP/GIF, empty,
   * truncated or corrupt, or over `limitInputPixels`. Every image that is not cached yet is
   * decoded here first (with `@mmaux/datasets`' `decodeImage`, as the encoders would), so such
   * a file is found per post: `'skip'` gives the post no image features (its `keys.image`
   * entry is `null`), `'blank'` gives it the blank image's features, and both list it in
   * `badImages` with the file and the reason; `'error'` throws `BAD_IMAGE` at the first one.
   * Nothing else is lost: every good image is cached, so a rerun after fixing a file encodes
   * only that file.
   * @defaultValue `'skip'`
   */
  onBadImage?: ExtractBadImagePolicy;
  /**
   * Images whose header declares more pixels (width × height) are bad images (`'oversized'`).
   * @defaultValue the image encoder's `limitInputPixels`, else 178956970
   */
  limitInputPixels?: number;
  /**
   * The clock for rates and ETA, in milliseconds.
   * @defaultValue `performance.now`
   */
  now?: () => number;
}

/** What {@link extractFeatures} returns. */
export interface ExtractSummary {
  /** Posts handled. */
  posts: number;
  /** Text inputs found cached / encoded now (distinct texts). */
  text?: { encoderId: string; cached: number; computed: number };
  /** Image inputs found cached / encoded now (distinct images), and posts whose image was skipped or blanked. */
  image?: { encoderId: string; cached: number; computed: number; skipped: number; blanked: number };
  /**
   * Cache keys per post, in the order of `posts`, for {@link FeatureCache.read} (no re-hashing
   * of image files); `keys.image` is `null` for a post whose image was skipped (see `badImages`).
   */
  keys: { text?: string[]; image?: Array<string | null> };
  /** Every post whose image could not be used, in post order: id, file, problem, reason and whether it was skipped or blanked. */
  badImages: ExtractBadImage[];
  /** Cache size on disk afterwards. */
  bytes: number;
  /** Human-readable cache size line. */
  sizeLine: string;
  /** Seconds the run took. */
  elapsedSeconds: number;
}

function checkPost(fn: string, p: unknown, i: number): asserts p is ExtractPost {
  const post = p as Partial<ExtractPost> | null;
  if (post === null || typeof post !== 'object') throw new MmauxEncoderError('INVALID_INPUT', `${fn}: posts[${i}] must be an object, got ${describe(p)}.`);
  if (typeof post.id !== 'string') throw new MmauxEncoderError('INVALID_INPUT', `${fn}: posts[${i}].id must be a string, got ${describe(post.id)}.`);
  if (typeof post.text !== 'string') throw new MmauxEncoderError('INVALID_INPUT', `${fn}: post ${post.id} (posts[${i}]): text must be a string, got ${describe(post.text)}.`);
  if (post.imagePath !== null && typeof post.imagePath !== 'string') {
    throw new MmauxEncoderError('INVALID_INPUT', `${fn}: post ${post.id} (posts[${i}]): imagePath must be a path or null, got ${describe(post.imagePath)}.`);
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Turns posts into features once: for each batch, texts and images whose keys ({@link textKey},
 * {@link imageKey} of the file's bytes, {@link blankImageKey} for `imagePath: null`) are not in
 * the cache are encoded and added to it; shards are written as the buffer fills and at the end.
 *
 * Bad images do not stop the run: an image that is not cached yet is decoded first, and one that
 * cannot be used (missing, unreadable, not an image, empty, truncated, over the pixel limit)
 * follows `onBadImage` — skipped by default (`keys.image` is `null` for that post), or blanked —
 * and is listed in `badImages` with the post id, the file and the reason; `'error'` throws
 * `BAD_IMAGE` at the first one instead. Every good image is cached either way, so once the file
 * is fixed the next run encodes only it.
 *
 * Resumable: an interrupted run (an error, a throwing `onProgress`, an abort, a killed process)
 * leaves complete shards and consistent indexes, and the next run skips every input already
 * cached. Existing shards are checked against their checksums first (`verify: 'full'`), so a
 * corrupt or truncated shard is recomputed, never trusted. Progress reports count, rate, ETA
 * and, at the end, the cache size.
 *
 * @param posts - `{ id, text, imagePath | null }` (e.g. `@mmaux/datasets` posts)
 * @param encoders - `{ text?, image? }`
 * @param cache - where the features go
 * @param options - `batchSize` (32), `onBadImage` (`'skip'`), `limitInputPixels`, `onProgress`,
 *   `signal`, `verify` (`'full'`), `blankImage`, `readConcurrency` (8), `now`
 * @returns counts per modality, the keys per post, the bad images, the cache size
 * @throws MmauxEncoderError `INVALID_INPUT` (a malformed post, naming it), `BAD_IMAGE` (with
 *   `onBadImage: 'error'`: the first image that cannot be used, naming the post, the file and
 *   the reason), `INVALID_OPTION`, `ABORTED`, `CACHE_IO`, `CACHE_LOCKED`; encoder errors pass
 *   through
 *
 * @example
 * ```ts
 * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'extract-')), { dtype: 'float16' });
 * const posts = [
 *   { id: '1', text: 'sunny day at the beach', imagePath: null },
 *   { id: '2', text: 'so tired of mondays', imagePath: null },
 * ];
 * const encoders = { text: createTextHashEncoder({ dim: 32 }), image: createImagePatchesEncoder({ size: 32, grid: 4 }) };
 * const lines: string[] = [];
 * const first = await extractFeatures(posts, encoders, cache, { onProgress: (p) => lines.push(p.message) });
 * [first.text?.computed, first.image?.computed]; // [2, 1]
 * const again = await extractFeatures(posts, encoders, cache);
 * [again.text?.cached, again.text?.computed]; // [2, 0]
 * lines.at(-1)!.startsWith('done 2 posts'); // true
 * const feats = await cache.read(encoders.text, again.keys.text!);
 * feats.shape.n; // 2
 * // a post whose image is not an image: skipped and listed, the others encoded
 * const dir = await mkdtemp(join(tmpdir(), 'extract-bad-'));
 * await writeFile(join(dir, 'ok.png'), await encodePng(blankImage(8, 8, [0, 128, 255])));
 * await writeFile(join(dir, 'bad.jpg'), 'not an image');
 * const withBad = [{ id: 'a', text: 'fine', imagePath: join(dir, 'ok.png') }, { id: 'b', text: 'broken', imagePath: join(dir, 'bad.jpg') }];
 * const s = await extractFeatures(withBad, encoders, cache);
 * s.badImages.map((b) => [b.id, b.problem, b.action]); // [["b", "corrupt", "skipped"]]
 * s.keys.image![1] === null; // true
 * ```
 */
export async function extractFeatures(
  posts: readonly ExtractPost[],
  encoders: ExtractEncoders,
  cache: FeatureCache,
  options: ExtractOptions = {},
): Promise<ExtractSummary> {
  const fn = 'extractFeatures';
  if (!Array.isArray(posts)) throw new MmauxEncoderError('INVALID_INPUT', `${fn}: posts must be an array, got ${describe(posts)}.`);
  posts.forEach((p, i) => checkPost(fn, p, i));
  const { text: textEncoder, image: imageEncoder } = encoders ?? {};
  if (!textEncoder && !imageEncoder) throw new MmauxEncoderError('INVALID_OPTION', `${fn}: pass at least one encoder, { text } and/or { image }.`);
  if (textEncoder && textEncoder.kind !== 'text') throw new MmauxEncoderError('INVALID_OPTION', `${fn}: encoders.text is a ${String(textEncoder.kind)} encoder (${textEncoder.id}).`);
  if (imageEncoder && imageEncoder.kind !== 'image') throw new MmauxEncoderError('INVALID_OPTION', `${fn}: encoders.image is a ${String(imageEncoder.kind)} encoder (${imageEncoder.id}).`);
  const batchSize = positiveInt(fn, 'batchSize', options.batchSize, 32);
  const readConcurrency = positiveInt(fn, 'readConcurrency', options.readConcurrency, 8, 1024);
  const policy = options.onBadImage ?? 'skip';
  if (policy !== 'skip' && policy !== 'blank' && policy !== 'error') {
    throw new MmauxEncoderError('INVALID_OPTION', `${fn}: onBadImage must be 'skip', 'blank' or 'error', got ${describe(policy)}.`);
  }
  const limitInputPixels = positiveInt(fn, 'limitInputPixels', options.limitInputPixels, imageEncoder?.limitInputPixels ?? DEFAULT_LIMIT_INPUT_PIXELS);
  const now = options.now ?? (() => performance.now());
  const blankSpec = options.blankImage ?? { width: 224, height: 224 };
  const blankRgb = blankSpec.rgb ?? [255, 255, 255];
  let blank: DecodedImage | undefined;
  const blankKey = imageEncoder ? blankImageKey(blankSpec.width, blankSpec.height, blankRgb) : '';

  const started = now();
  if (options.verify !== 'none') {
    if (textEncoder) await cache.verify(textEncoder);
    if (imageEncoder) await cache.verify(imageEncoder);
  }
  const keys: ExtractSummary['keys'] = {};
  if (textEncoder) keys.text = new Array<string>(posts.length);
  if (imageEncoder) keys.image = new Array<string | null>(posts.length);
  const counts = { text: { cached: 0, computed: 0 }, image: { cached: 0, computed: 0 } };
  const seen = { text: new Set<string>(), image: new Set<string>() };
  const badImages: ExtractBadImage[] = [];
  const imageContext: BatchImageContext = {
    fn,
    policy,
    limitInputPixels,
    readConcurrency,
    blankKey,
    badKeys: new Map(),
    seen: seen.image,
    has: (k) => cache.has(imageEncoder!, k),
  };

  const progress = (phase: 'extract' | 'done', done: number, bytes?: number, sizeLine?: string): ExtractProgress => {
    const elapsedSeconds = (now() - started) / 1000;
    const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
    const etaSeconds = phase === 'done' ? 0 : rate > 0 ? (posts.length - done) / rate : Infinity;
    const cached = counts.text.cached + counts.image.cached;
    const computed = counts.text.computed + counts.image.computed;
    const pct = posts.length > 0 ? ((100 * done) / posts.length).toFixed(1) : '100.0';
    const bad = badImages.length > 0 ? `; ${badImages.length} bad image${badImages.length === 1 ? '' : 's'} (${policy === 'blank' ? 'blanked' : 'skipped'})` : '';
    const message =
      phase === 'done'
        ? `done ${done} posts in ${formatSeconds(elapsedSeconds)} (${rate.toFixed(1)} posts/s); ${cached} cached, ${computed} computed${bad}; ${sizeLine ?? ''}`
        : `extract ${done}/${posts.length} posts (${pct}%), ${rate.toFixed(1)} posts/s, ETA ${formatSeconds(etaSeconds)}; ${cached} cached, ${computed} computed${bad}`;
    return { phase, done, total: posts.length, cached, computed, badImages: badImages.length, rate, etaSeconds, elapsedSeconds, ...(bytes === undefined ? {} : { bytes }), message };
  };

  let done = 0;
  let failure: unknown;
  try {
    for (let start = 0; start < posts.length; start += batchSize) {
      if (options.signal?.aborted) {
        throw new MmauxEncoderError('ABORTED', `${fn}: aborted after ${done} of ${posts.length} posts; run it again to continue where it stopped.`, {
          cause: options.signal.reason,
        });
      }
      const batch = posts.slice(start, start + batchSize);
      if (textEncoder) {
        const batchKeys = batch.map((p) => textKey(p.text));
        batchKeys.forEach((k, j) => ((keys.text as string[])[start + j] = k));
        const present = await cache.has(textEncoder, batchKeys);
        const todo: Array<{ key: string; text: string }> = [];
        batchKeys.forEach((k, j) => {
          if (seen.text.has(k)) return;
          seen.text.add(k);
          if (present[j]) counts.text.cached++;
          else todo.push({ key: k, text: (batch[j] as ExtractPost).text });
        });
        if (todo.length > 0) {
          const feats: TextFeatures = await textEncoder.encode(todo.map((t) => t.text));
          await cache.put(textEncoder, todo.map((t) => t.key), feats);
          counts.text.computed += todo.length;
        }
      }
      if (imageEncoder) {
        const images = await batchImages(imageContext, batch, start);
        images.keys.forEach((k, j) => ((keys.image as Array<string | null>)[start + j] = k));
        badImages.push(...images.bad);
        const used = images.keys.filter((k): k is string => k !== null);
        const present = await cache.has(imageEncoder, used);
        const todo: Array<{ key: string; input: DecodedImage }> = [];
        used.forEach((k, j) => {
          if (seen.image.has(k)) return;
          seen.image.add(k);
          if (present[j]) counts.image.cached++;
          else {
            blank ??= blankImage(blankSpec.width, blankSpec.height, blankRgb);
            todo.push({ key: k, input: images.decoded.get(k) ?? blank });
          }
        });
        if (todo.length > 0) {
          const feats: ImageFeatures = await imageEncoder.encode(todo.map((t) => t.input));
          await cache.put(imageEncoder, todo.map((t) => t.key), feats);
          counts.image.computed += todo.length;
        }
      }
      done += batch.length;
      options.onProgress?.(progress('extract', done));
    }
  } catch (e) {
    failure = e;
  }
  // What was computed is written even when the run stops early, so the next run resumes.
  try {
    await cache.flush();
  } catch (e) {
    if (failure === undefined) throw e; // else the first failure is the one to report
  }
  if (failure !== undefined) throw failure;

  const stats = await cache.stats();
  const ids = [textEncoder?.id, imageEncoder?.id].filter((x): x is string => x !== undefined);
  const bytes = ids.reduce((s, id) => s + (stats.byEncoder[id]?.bytes ?? 0), 0);
  // per post: each encoder's bytes per stored entry, summed over the encoders
  const perPost = ids.reduce((s, id) => {
    const e = stats.byEncoder[id];
    return s + (e && e.entries > 0 ? e.bytes / e.entries : 0);
  }, 0);
  const sizeLine =
    `cache for these encoders: ${formatBytes(bytes)} on disk (${ids.map((id) => `${id.split(';')[0]}: ${formatBytes(stats.byEncoder[id]?.bytes ?? 0)}`).join(', ')}; ` +
    `≈ ${formatBytes(perPost)} per post, ≈ ${formatBytes(perPost * 150_000)} for 150,000 posts) in ${stats.root}`;
  const final = progress('done', done, bytes, sizeLine);
  options.onProgress?.(final);
  return {
    posts: posts.length,
    ...(textEncoder ? { text: { encoderId: textEncoder.id, ...counts.text } } : {}),
    ...(imageEncoder
      ? {
          image: {
            encoderId: imageEncoder.id,
            ...counts.image,
            skipped: badImages.filter((b) => b.action === 'skipped').length,
            blanked: badImages.filter((b) => b.action === 'blanked').length,
          },
        }
      : {}),
    keys,
    badImages,
    bytes,
    sizeLine,
    elapsedSeconds: final.elapsedSeconds,
  };
}

/**
 * Reads the cached features of posts, batched as the encoders return them (or pooled only for
 * a cache with `store: 'pooled'`). Computes the keys (text hashes; image files are read and
 * hashed): for repeated reads keep the `keys` returned by {@link extractFeatures} and call
 * {@link FeatureCache.read} with them.
 *
 * @param posts - the posts, in the order wanted
 * @param encoders - `{ text?, image? }` (encoders or `{ id, kind, dim }` descriptors)
 * @param cache - the cache the features were extracted into
 * @param options - `blankImage` (as in {@link extractFeatures})
 * @returns `{ text?, image? }`
 * @throws MmauxEncoderError `CACHE_MISS` (run {@link extractFeatures} first), `INVALID_INPUT`
 *
 * @example
 * ```ts
 * const cache = new FeatureCache(await mkdtemp(join(tmpdir(), 'read-')));
 * const posts = [{ id: 'a', text: 'hello there', imagePath: null }];
 * const text = createTextHashEncoder({ dim: 16 });
 * await extractFeatures(posts, { text }, cache);
 * const f = await readFeatures(posts, { text }, cache);
 * f.text?.shape; // {"n": 1, "length": 3, "dim": 16}
 * ```
 */
export async function readFeatures(
  posts: readonly ExtractPost[],
  encoders: { text?: Pick<TextFeatureEncoder, 'id' | 'kind' | 'dim'>; image?: Pick<ImageFeatureEncoder, 'id' | 'kind' | 'dim' | 'grid'> },
  cache: FeatureCache,
  options: Pick<ExtractOptions, 'blankImage'> = {},
): Promise<{ text?: TextFeatures | PooledFeatures; image?: ImageFeatures | PooledFeatures }> {
  const fn = 'readFeatures';
  if (!Array.isArray(posts)) throw new MmauxEncoderError('INVALID_INPUT', `${fn}: posts must be an array, got ${describe(posts)}.`);
  posts.forEach((p, i) => checkPost(fn, p, i));
  const out: { text?: TextFeatures | PooledFeatures; image?: ImageFeatures | PooledFeatures } = {};
  if (encoders.text) out.text = await cache.read(encoders.text, posts.map((p) => textKey(p.text)));
  if (encoders.image) {
    const b = options.blankImage ?? { width: 224, height: 224 };
    const blankKey = blankImageKey(b.width, b.height, b.rgb ?? [255, 255, 255]);
    const keys = await mapLimit(posts, 8, async (p) => {
      if (p.imagePath === null) return blankKey;
      try {
        return imageKey(await readFile(p.imagePath));
      } catch (e) {
        throw new MmauxEncoderError('INVALID_INPUT', `${fn}: post ${p.id}: cannot read image ${p.imagePath} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`, { cause: e });
      }
    });
    out.image = await cache.read(encoders.image, keys);
  }
  return out;
}
