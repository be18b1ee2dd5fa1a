import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { MmauxDatasetError } from '../errors.js';
import { mapLimit } from '../map-limit.js';
import { generateSyntheticPosts, resolvePostsOptions, type SyntheticPostsOptions } from './generate-posts.js';
import { renderSyntheticImage } from './render-image.js';

/** Options of {@link generateSyntheticDataset}. */
export interface SyntheticDatasetOptions extends SyntheticPostsOptions {
  /** Width and height of every image in pixels, an integer in [8, 2048]. @defaultValue 96 */
  imageSize?: number;
  /** Replace `dir` when it exists and is not empty. @defaultValue false */
  overwrite?: boolean;
  /** Images rendered at once. The output does not depend on it. @defaultValue 8 */
  concurrency?: number;
  /** Called after each image is written. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** What {@link generateSyntheticDataset} returns (also summarised in `dataset.json`). */
export interface SyntheticDatasetResult {
  /** The data set folder, absolute. */
  dir: string;
  /** `<dir>/manifest.jsonl`. */
  manifestPath: string;
  /** `<dir>/dataset.json`. */
  infoPath: string;
  /** Class names in index order. */
  classes: string[];
  /** Posts per class name. */
  classBalance: Record<string, number>;
  /** Posts per split. */
  splits: { train: number; val: number; test: number };
  /** Number of posts written. */
  posts: number;
}

/** The `generator` field of `dataset.json`. */
const GENERATOR = '@mmaux/datasets synthetic v1';

async function isNonEmptyDir(fn: string, dir: string): Promise<boolean | undefined> {
  let s;
  try {
    s = await stat(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  if (!s.isDirectory()) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: ${dir} exists and is not a directory; choose another dir.`, { file: dir });
  }
  return (await readdir(dir)).length > 0;
}

/**
 * Writes a synthetic multimodal data set whose labels need both the text and the image (see
 * {@link SYNTHETIC_TASKS} for the three tasks and their rules) into `dir`:
 *
 * - `images/<id>.png`: `imageSize`² PNGs drawn through sharp from SVG (shapes, colours,
 *   positions, textures, clutter) plus seeded pixel noise;
 * - `manifest.jsonl`: one `{"id","text","image","label","split"}` object per line, in id
 *   order, `image` relative to `dir` and `label` a class name;
 * - `dataset.json`: `{ name: "synthetic-<task>", task, seed, size, imageSize, classes,
 *   classBalance, splits, generator: "@mmaux/datasets synthetic v1" }`.
 *
 * Deterministic: the same options give byte-identical files (with the same sharp build);
 * randomness is mulberry32 from `seed`, never `Math.random` or the clock. Everything is written
 * into a temporary sibling folder first and renamed into place, so an interrupted run leaves no
 * half data set under `dir`. A few hundred posts take well under a second.
 *
 * @param dir - the folder to create (its parent is created when missing)
 * @param options - `task` (required), `size` (300), `seed` (0), `imageSize` (96),
 *   `classProportions` (equal), `overwrite` (false), `concurrency` (8), `onProgress`
 * @returns `{ dir, manifestPath, infoPath, classes, classBalance, splits, posts }`
 * @throws MmauxDatasetError `INVALID_OPTION` for a bad option, or when `dir` is a file or a
 *   non-empty folder and `overwrite` is not set
 *
 * @example
 * ```ts
 * const { mkdtempSync, readFileSync, rmSync } = process.getBuiltinModule('node:fs');
 * const { tmpdir } = process.getBuiltinModule('node:os');
 * const root = mkdtempSync(`${tmpdir()}/mmaux-`);
 * const dir = `${root}/relation`;
 * const out = await generateSyntheticDataset(dir, { task: 'relation', size: 20, seed: 7 });
 * out.posts; // 20
 * Object.values(out.classBalance); // [5, 5, 5, 5]
 * out.classes[0]; // "image adds and text is represented"
 * out.splits; // {"train": 16, "val": 2, "test": 2}
 * const first = JSON.parse(readFileSync(out.manifestPath, 'utf8').split('\n')[0]);
 * Object.keys(first); // ["id", "text", "image", "label", "split"]
 * rmSync(root, { recursive: true });
 * ```
 */
export async function generateSyntheticDataset(dir: string, options: SyntheticDatasetOptions): Promise<SyntheticDatasetResult> {
  const fn = 'generateSyntheticDataset';
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: dir must be a non-empty path, got ${JSON.stringify(dir)}.`);
  }
  const { task, size, seed } = resolvePostsOptions(fn, options);
  const imageSize = options.imageSize ?? 96;
  if (!Number.isInteger(imageSize) || imageSize < 8 || imageSize > 2048) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: imageSize must be an integer in [8, 2048], got ${String(imageSize)}.`);
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: concurrency must be a positive integer, got ${String(concurrency)}.`);
  }
  const target = resolve(dir);
  const existing = await isNonEmptyDir(fn, target);
  if (existing === true && options.overwrite !== true) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: ${target} already exists and is not empty; choose another dir or pass { overwrite: true } to replace it.`,
      { file: target },
    );
  }

  const plan = generateSyntheticPosts(options);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(join(parent, `.${basename(target)}.tmp-`));
  try {
    await mkdir(join(tmp, 'images'));
    await mapLimit(
      plan.posts,
      concurrency,
      async (post) => writeFile(join(tmp, post.image), await renderSyntheticImage(post.scene, imageSize)),
      (done, total) => options.onProgress?.({ done, total }),
    );

    const manifest = plan.posts.map((p) => JSON.stringify({ id: p.id, text: p.text, image: p.image, label: p.label, split: p.split })).join('\n') + '\n';
    await writeFile(join(tmp, 'manifest.jsonl'), manifest);
    const info = {
      name: `synthetic-${task}`,
      task,
      seed,
      size,
      imageSize,
      classes: plan.classes,
      classBalance: plan.classBalance,
      splits: plan.splits,
      generator: GENERATOR,
    };
    await writeFile(join(tmp, 'dataset.json'), `${JSON.stringify(info, null, 2)}\n`);

    if (existing === undefined) {
      await rename(tmp, target);
    } else {
      // Swap: move the old folder aside, move the new one in, then delete the old one.
      const old = await mkdtemp(join(parent, `.${basename(target)}.old-`));
      await rename(target, join(old, 'data'));
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  return {
    dir: target,
    manifestPath: join(target, 'manifest.jsonl'),
    infoPath: join(target, 'dataset.json'),
    classes: plan.classes,
    classBalance: plan.classBalance,
    splits: plan.splits,
    posts: plan.posts.length,
  };
}
