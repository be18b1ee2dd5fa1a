// The image half of one extraction batch: read and hash each post's image file, decode every
// image that is not cached yet (with the encoder's pixel limit) so that a file that cannot be
// used is found here, per post, and follows the `onBadImage` policy instead of failing the
// encoder's whole batch.
import { readFile } from 'node:fs/promises';
import { type DecodedImage, decodeImage, type ImageProblem, imageProblemOf } from '@mmaux/datasets';
import { MmauxEncoderError } from './errors.js';
import { imageKey } from './hash.js';
import { mapLimit } from './validate.js';

/** A post whose image {@link extractFeatures} could not use. */
export interface ExtractBadImage {
  /** The post's id. */
  id: string;
  /** Its index in `posts`. */
  index: number;
  /** The image file. */
  path: string;
  /** `'missing'` (no such file, or unreadable), `'corrupt'` (not an image, empty, truncated) or `'oversized'` (over the pixel limit). */
  problem: ImageProblem;
  /** What is wrong with the file, e.g. `image /d/7.jpg is corrupt or truncated and cannot be decoded (sharp: …); re-download it or drop the post.` */
  reason: string;
  /** The whole line: the function, the post id and index, the reason, and what was done. */
  message: string;
  /** `'skipped'`: the post has no image features (its `keys.image` entry is `null`); `'blanked'`: the blank image's features stand in. */
  action: 'skipped' | 'blanked';
}

/** What to do with a post whose image cannot be used. */
export type ExtractBadImagePolicy = 'skip' | 'blank' | 'error';

/** @internal What the image step of a batch needs from the extraction. */
export interface BatchImageContext {
  fn: string;
  policy: ExtractBadImagePolicy;
  limitInputPixels: number;
  readConcurrency: number;
  blankKey: string;
  /** Verdicts on keys met in earlier batches (a bad file's key stays bad). */
  badKeys: Map<string, { problem: ImageProblem; reason: string }>;
  /** Keys already handled (cached or encoded) in this run. */
  seen: ReadonlySet<string>;
  /** Which keys the cache holds. */
  has(keys: readonly string[]): Promise<boolean[]>;
}

/** @internal The image step's outcome for a batch. */
export interface BatchImages {
  /** Per post of the batch: the image key to read features by, or `null` (skipped). */
  keys: Array<string | null>;
  /** Decoded pixels of the keys to encode (not cached, not seen); the blank image's key maps to `null`. */
  decoded: Map<string, DecodedImage | null>;
  /** The batch's bad images, in post order. */
  bad: ExtractBadImage[];
}

type Read = { kind: 'blank' } | { kind: 'bytes'; bytes: Uint8Array; key: string } | { kind: 'bad'; problem: ImageProblem; reason: string; cause: unknown };

/** `decodeImage: image … ` → `image …`: the reason without the inner function's name. */
function reasonOf(err: unknown): string {
  return (err as Error).message.replace(/^[A-Za-z]+: /, '');
}

/** @internal Keys, decoded images to encode and bad images for one batch of posts. */
export async function batchImages(
  ctx: BatchImageContext,
  batch: ReadonlyArray<{ id: string; imagePath: string | null }>,
  start: number,
): Promise<BatchImages> {
  const { fn, policy } = ctx;
  const reads = await mapLimit(batch, ctx.readConcurrency, async (p): Promise<Read> => {
    if (p.imagePath === null) return { kind: 'blank' };
    try {
      const bytes = await readFile(p.imagePath);
      return { kind: 'bytes', bytes, key: imageKey(bytes) };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const missing = code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
      const reason = missing
        ? `image file ${p.imagePath} ${code === 'EISDIR' ? 'is a directory' : 'does not exist'}; fix the path or drop the post.`
        : `cannot read image file ${p.imagePath} (${code ?? (e as Error).message}); check its permissions.`;
      return { kind: 'bad', problem: missing ? 'missing' : 'corrupt', reason, cause: e };
    }
  });
  // Decode what is neither cached nor handled yet (once per key): this is where a bad file shows.
  const readKeys = reads.map((r) => (r.kind === 'bytes' ? r.key : ''));
  const cached = await ctx.has(readKeys.filter((k) => k !== ''));
  const cachedKeys = new Set(readKeys.filter((k) => k !== '').filter((_, j) => cached[j]));
  const toDecode = new Map<string, { bytes: Uint8Array; path: string }>();
  reads.forEach((r, j) => {
    if (r.kind === 'bytes' && !cachedKeys.has(r.key) && !ctx.seen.has(r.key) && !ctx.badKeys.has(r.key)) {
      toDecode.set(r.key, { bytes: r.bytes, path: batch[j]!.imagePath! });
    }
  });
  const decoded = new Map<string, DecodedImage | null>();
  await mapLimit([...toDecode], ctx.readConcurrency, async ([key, { bytes, path }]) => {
    try {
      decoded.set(key, await decodeImage(bytes, { sourceName: path, limitInputPixels: ctx.limitInputPixels }));
    } catch (e) {
      const problem = imageProblemOf(e);
      if (problem === undefined) throw e;
      ctx.badKeys.set(key, { problem, reason: reasonOf(e) });
    }
  });
  const keys: Array<string | null> = [];
  const bad: ExtractBadImage[] = [];
  reads.forEach((r, j) => {
    const post = batch[j]!;
    if (r.kind === 'blank') {
      keys.push(ctx.blankKey);
      return;
    }
    const verdict = r.kind === 'bad' ? r : ctx.badKeys.get(r.key);
    if (verdict === undefined) {
      keys.push((r as { key: string }).key);
      return;
    }
    const where = `${fn}: post ${post.id} (posts[${start + j}]): ${verdict.reason}`;
    if (policy === 'error') {
      throw new MmauxEncoderError(
        'BAD_IMAGE',
        `${where} (onBadImage: 'error' stops at the first image that cannot be used; 'skip' drops such posts, 'blank' keeps them with a blank image, and both list them.)`,
        { cause: r.kind === 'bad' ? r.cause : undefined },
      );
    }
    const done =
      policy === 'blank'
        ? "Kept with the blank image (onBadImage: 'blank')."
        : "Skipped (onBadImage: 'skip'): the post has no image features; fix the file and run again to encode just it, or pass onBadImage: 'blank'.";
    bad.push({ id: post.id, index: start + j, path: post.imagePath!, problem: verdict.problem, reason: verdict.reason, message: `${where} ${done}`, action: policy === 'blank' ? 'blanked' : 'skipped' });
    keys.push(policy === 'blank' ? ctx.blankKey : null);
  });
  if (keys.includes(ctx.blankKey)) decoded.set(ctx.blankKey, null);
  return { keys, decoded, bad };
}
