// TIR (Vempala & Preoţiuc-Pietro, ACL 2019), METHOD.md §5.1: `textimage-data.csv` with every
// field quoted and embedded quotes backslash-escaped; the four one-hot class columns give the
// label; images `T{tweet_id}.jpg`; no official split, so a seeded stratified 80/10/10 one.
import { statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DATASET_CLASSES } from '../dataset-classes.js';
import { MmauxDatasetError } from '../errors.js';
import { readCsvRecords } from '../formats/csv.js';
import type { LoadedDataset } from '../types.js';
import { classNames, collector, column, dataFolder, imageFolder, jpgThenPng, nonEmpty, requireFile, type ResolvedOptions, skipUnclosedQuote } from './common.js';

/** The one-hot class columns, in class order. */
const CLASS_COLUMNS = ['image_adds_text_repr', 'image_adds_text_notrepr', 'image_notadds_text_repr', 'image_notadds_text_notrepr'];

/** The class columns of a header: named, else the last four (in the documented order). */
function classColumns(header: readonly string[]): number[] {
  const named = CLASS_COLUMNS.map((name) => column(header, [name]));
  if (named.some((i) => i < 0) && header.length >= 4) return [header.length - 4, header.length - 3, header.length - 2, header.length - 1];
  return named;
}

/** The class column values, or undefined unless exactly one is 1 and the others 0. */
function oneHot(fields: readonly string[], classCols: readonly number[]): number | undefined {
  const hot = classCols.map((i) => Number.parseFloat((fields[i] ?? '').trim()));
  const ones = hot.flatMap((v, k) => (v === 1 ? [k] : []));
  return ones.length === 1 && hot.every((v) => v === 0 || v === 1) ? ones[0] : undefined;
}

/** A row of textimage-data.csv: the header's field count, a tweet id and a one-hot label. */
function isTirRecord(fields: readonly string[], header: readonly string[]): boolean {
  return fields.length === header.length && nonEmpty(fields[column(header, ['tweet_id', 'id'])]) && oneHot(fields, classColumns(header)) !== undefined;
}

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
  for await (const rec of readCsvRecords(file, { backslashEscapes: true, unclosedQuotes: 'recover', isRecord: isTirRecord })) {
    if (header === undefined) {
      header = rec.fields;
      idCol = column(header, ['tweet_id', 'id']);
      textCol = column(header, ['tweet', 'text']);
      // Unnamed label columns: the last four, in the documented order.
      classCols = classColumns(header);
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
    if (rec.unclosedQuote) {
      skipUnclosedQuote(c, file, rec, header, idCol);
      continue;
    }
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
    const label = oneHot(f, classCols);
    if (label === undefined) {
      c.skip(
        'unknown-label',
        id,
        at,
        `the class columns ${classCols.map((i) => header![i]).join(', ')} hold ${JSON.stringify(classCols.map((i) => f[i]))}; exactly one of them must be 1.`,
      );
      continue;
    }
    c.add({ id, text: f[textCol]!, label, images: jpgThenPng(images, `T${id}`), at });
  }
  if (header === undefined) {
    throw new MmauxDatasetError('INVALID_FORMAT', `${fn}: ${file} is empty; expected a header and one row per tweet.`, { file });
  }
  const report = c.finish(classes.length, { method: 'seeded', seed: options.seed });
  if (basename(file) !== 'textimage-data.csv') report.warnings.push(`read ${file} as TIR's textimage-data.csv.`);
  return { name: 'tir', posts: c.posts, classes, report };
}
