import { DATASET_NAMES } from './dataset-classes.js';
import { MmauxDatasetError } from './errors.js';
import { resolveOptions } from './loaders/common.js';
import { loadManifest } from './loaders/manifest.js';
import { loadMhp } from './loaders/mhp.js';
import { loadMicd } from './loaders/micd.js';
import { loadMsd } from './loaders/msd.js';
import { loadMvsa } from './loaders/mvsa.js';
import { loadTir } from './loaders/tir.js';
import type { DatasetName, LoadDatasetOptions, LoadedDataset } from './types.js';

/**
 * Reads a data set as it was downloaded (or rehydrated), in its native format:
 *
 * | name | `root` holds | split |
 * | --- | --- | --- |
 * | `tir` | `textimage-data.csv` (backslash-escaped quotes, four one-hot class columns), `T{tweet_id}.jpg` | seeded 80/10/10 (3576/447/448) |
 * | `mvsa-single`, `mvsa-multiple` | `labelResultAll.txt` (or `valid_pairlist.txt`), `data/{ID}.txt`, `data/{ID}.jpg` | seeded 80/10/10 (3608/451/452 for Single) |
 * | `mhp` | `Data/{Train,Validation,Test}/dog_whistle_{train,dev,test}.csv`, `{image_number}.jpg` | official |
 * | `msd` | `text/{train,valid2,test2}.txt` (Python list literals), `dataset_image/{id}.jpg` | official |
 * | `micd` | `data_key_mic.csv` + `options.textFile`, `spc_imgs_twitter/{id}_1.jpg` | official |
 * | `manifest` | `root` is the manifest file (CSV or JSONL: id, text, image, label, split?, group?) | its `split`, else seeded |
 *
 * Images are looked up, not decoded (use {@link validateImages} for that); a missing image or
 * one whose path leaves the data folder follows `onBadImage`. Bad rows (wrong field count,
 * unknown label, duplicate id, empty text, …) are skipped and counted in `report` with their
 * ids, or throw with `strict: true`. Seeded splits use {@link seededSplit} with `options.seed`
 * (default 0), the same on every run and machine; they are drawn over every row with a valid id
 * and label before texts and images are looked up, so missing local files change no other
 * post's split.
 *
 * @param name - which data set (see the table)
 * @param root - the data set's folder; for `manifest`, the manifest file (or a folder holding `manifest.jsonl` / `manifest.csv`)
 * @param options - `seed`, `normalizeText`, `onBadImage`, `strict`, `classes`, `textFile`, `imageDir`, `imageRoot`, `checkImageFiles`, `ocrSeparator`
 * @returns `{ name, posts, classes, report }`
 * @throws MmauxDatasetError `INVALID_OPTION` (unknown name, bad option), `NOT_FOUND` (no such
 *   folder or file), `INVALID_FORMAT` (unreadable header, unclosed quote), and under `strict` or
 *   `onBadImage: 'error'` the code of the first bad row (`INVALID_ROW`, `UNKNOWN_LABEL`,
 *   `DUPLICATE_ID`, `EMPTY_TEXT`, `BAD_IMAGE`, `PATH_ESCAPES_ROOT`, `NOT_FOUND`)
 *
 * @example
 * ```ts
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmaux-doc-'));
 * const file = path.join(dir, 'manifest.csv');
 * fs.writeFileSync(file, 'id,text,image,label,split\n1,I love it,,positive,train\n2,Meh,,negative,test\n3,,,positive,train\n');
 * const ds = await loadDataset('manifest', file);
 * ds.classes; // ["negative","positive"]
 * ds.posts.map((p) => [p.id, p.label, p.split, p.imagePath]); // [["1",1,"train",null],["2",0,"test",null]]
 * ds.report.skipped['empty-text'].ids; // ["3"]
 * fs.rmSync(dir, { recursive: true });
 * ```
 */
export async function loadDataset(name: DatasetName, root: string, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  if (!DATASET_NAMES.includes(name)) {
    throw new MmauxDatasetError('INVALID_OPTION', `loadDataset: unknown data set ${JSON.stringify(name)}; use one of ${DATASET_NAMES.join(', ')}.`);
  }
  const fn = `loadDataset('${name}')`;
  if (typeof root !== 'string' || root === '') {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: root must be the data set's folder${name === 'manifest' ? ' (for manifest: the manifest file)' : ''}, got ${JSON.stringify(root)}.`);
  }
  const o = resolveOptions(name, fn, options);
  switch (name) {
    case 'tir':
      return loadTir(root, o);
    case 'mvsa-single':
    case 'mvsa-multiple':
      return loadMvsa(name, root, o);
    case 'mhp':
      return loadMhp(root, o);
    case 'msd':
      return loadMsd(root, o);
    case 'micd':
      return loadMicd(root, o);
    case 'manifest':
      return loadManifest(root, o);
  }
}
