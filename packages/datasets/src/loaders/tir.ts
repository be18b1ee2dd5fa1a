// TIR (Vempala & Preoţiuc-Pietro, ACL 2019), METHOD.md §5.1: `textimage-data.csv` with every
// field quoted and embedded quotes backslash-escaped; the four one-hot class columns give the
// label; images `T{tweet_id}.jpg`; no official split, so a seeded stratified 80/10/10 one.
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DATASET_CLASSES } from '../dataset-classes.js';
import { MmauxDatasetError } from '../errors.js';
import { readCsvRecords } from '../formats/csv.js';
import type { LoadedDataset } from '../types.js';
import { classNames, collector, column, dataFolder, imageFolder, jpgThenPng, requireFile, type ResolvedOptions } from './common.js';

/** The one-hot class columns, in class order. */
const CLASS_COLUMNS = ['image_adds_text_repr', 'image_adds_text_notrepr', 'image_notadds_text_repr', 'image_notadds_text_notrepr'];

/** @internal */
export async function loadTir(root: string, options: ResolvedOptions): Promise<LoadedDataset> {
  const fn = "loadDataset('tir')";
  // root may also be the CSV itself.
  const given = resolve(root);
  const isFile = statSync(given, { throwIfNoEntry: false })?.isFile() === true;
  const dir = isFile ? dirname(given) : dataFolder(fn, root, 'textimage-data.csv and the T{tweet_id}.jpg images');
  const file = isFile ? given : requireFile(fn, dir, ['textimage-data.csv'], 'textimage-data.csv');
  const images = imageFolder(fn, dir, options.imageDir, ['images', 'text-image', 'textimage']);
  const classes = classNames(fn, DATASET_CLASSES.tir, options.classes);
  const c = collector('tir', fn, file, [images, dir], options);

  let header: string[] | undefined;
  let idCol = -1;
  let textCol = -1;
  let classCols: number[] = [];
  for await (const rec of readCsvRecords(file, { backslashEscapes: true })) {
    if (header === undefined) {
      header = rec.fields;
      idCol = column(header, ['tweet_id', 'id']);
      textCol = column(header, ['tweet', 'text']);
      classCols = CLASS_COLUMNS.map((name) => column(header!, [name]));
      if (classCols.some((i) => i < 0) && header.length >= 4) {
        // Unnamed label columns: the last four, in the documented order.
        classCols = [header.length - 4, header.length - 3, header.length - 2, header.length - 1];
      }
      if (idCol < 0 || textCol < 0 || header.length < 6) {
        throw new MmauxDatasetError(
          'INVALID_FORMAT',
          `${fn}: ${file} row 1: the header ${JSON.stringify(header)} lacks tweet_id and tweet columns; is this textimage-data.csv (tweet_id, user_id, tweet, text_is_represented, image_adds and the four class columns)?`,
          { file, row: 1 },
        );
      }
      continue;
    }
    const at = { file, row: rec.row };
    const f = rec.fields;
    const id = (f[idCol] ?? '').trim();
    if (f.length !== header.length) {
      c.skip('wrong-field-count', id, at, `${f.length} fields where the header has ${header.length}; an unescaped quote or comma in the tweet text splits it.`);
      continue;
    }
    if (id === '') {
      c.skip('invalid-row', '', { ...at, column: header[idCol] }, 'the tweet id is empty.');
      continue;
    }
    const hot = classCols.map((i) => Number.parseFloat(f[i]!.trim()));
    const ones = hot.flatMap((v, k) => (v === 1 ? [k] : []));
    if (ones.length !== 1 || hot.some((v) => v !== 0 && v !== 1)) {
      c.skip(
        'unknown-label',
        id,
        at,
        `the class columns ${classCols.map((i) => header![i]).join(', ')} hold ${JSON.stringify(classCols.map((i) => f[i]))}; exactly one of them must be 1.`,
      );
      continue;
    }
    c.add({ id, text: f[textCol]!, label: ones[0]!, images: jpgThenPng(images, `T${id}`), at });
  }
  if (header === undefined) {
    throw new MmauxDatasetError('INVALID_FORMAT', `${fn}: ${file} is empty; expected a header and one row per tweet.`, { file });
  }
  const report = c.finish(classes.length, { method: 'seeded', seed: options.seed });
  if (basename(file) !== 'textimage-data.csv') report.warnings.push(`read ${file} as TIR's textimage-data.csv.`);
  return { name: 'tir', posts: c.posts, classes, report };
}
