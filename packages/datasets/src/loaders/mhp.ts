// MHP, "Dog Whistle 5k" (Botelho, Vidgen & Hale, Findings of ACL 2021), METHOD.md §5.3: the
// three split CSVs with image_number, tweet_text, img_text (OCR, may be empty) and
// Primary_numeric_gt; text = tweet_text + img_text (no separator, as the authors' code); images
// `{image_number}.jpg`; official splits.
import { DATASET_CLASSES } from '../dataset-classes.js';
import { MmauxDatasetError } from '../errors.js';
import { readCsvRecords } from '../formats/csv.js';
import type { LoadedDataset, Split } from '../types.js';
import {
  classIndex,
  classNames,
  collector,
  column,
  dataFolder,
  imageFolder,
  jpgThenPng,
  nonEmpty,
  requireFile,
  type ResolvedOptions,
  skipUnclosedQuote,
  wellFormedRow,
} from './common.js';

const SPLIT_FILES: ReadonlyArray<[Split, string[]]> = [
  ['train', ['Data/Train/dog_whistle_train.csv', 'Train/dog_whistle_train.csv', 'dog_whistle_train.csv']],
  ['val', ['Data/Validation/dog_whistle_dev.csv', 'Validation/dog_whistle_dev.csv', 'dog_whistle_dev.csv']],
  ['test', ['Data/Test/dog_whistle_test.csv', 'Test/dog_whistle_test.csv', 'dog_whistle_test.csv']],
];

/** Strings pandas' `read_csv` reads as NaN by default: such an OCR cell means "no OCR text". */
const PANDAS_NA = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);

/** @internal */
export async function loadMhp(root: string, options: ResolvedOptions): Promise<LoadedDataset> {
  const fn = "loadDataset('mhp')";
  const dir = dataFolder(fn, root, 'Data/Train/dog_whistle_train.csv, Data/Validation/dog_whistle_dev.csv, Data/Test/dog_whistle_test.csv');
  const files = SPLIT_FILES.map(([split, candidates]) => [split, requireFile(fn, dir, candidates, `the ${split} CSV`)] as const);
  const images = imageFolder(fn, dir, options.imageDir, ['Data/Images', 'Images', 'images', 'img_resized']);
  const classes = classNames(fn, DATASET_CLASSES.mhp, options.classes);
  const c = collector('mhp', fn, dir, [images, dir], options);

  for (const [split, file] of files) {
    let header: string[] | undefined;
    let cols = { id: -1, tweet: -1, ocr: -1, label: -1 };
    const isRecord = wellFormedRow([
      [['image_number'], nonEmpty],
      [['Primary_numeric_gt'], (v) => classIndex(v, classes.length) !== undefined],
    ]);
    for await (const rec of readCsvRecords(file, { unclosedQuotes: 'recover', isRecord })) {
      if (header === undefined) {
        header = rec.fields;
        cols = {
          id: column(header, ['image_number']),
          tweet: column(header, ['tweet_text']),
          ocr: column(header, ['img_text']),
          label: column(header, ['Primary_numeric_gt']),
        };
        const missing = Object.entries(cols).filter(([, i]) => i < 0);
        if (missing.length > 0) {
          throw new MmauxDatasetError(
            'INVALID_FORMAT',
            `${fn}: ${file} row 1: no ${missing.map(([k]) => ({ id: 'image_number', tweet: 'tweet_text', ocr: 'img_text', label: 'Primary_numeric_gt' })[k]).join(', ')} column in the header ${JSON.stringify(header)}.`,
            { file, row: 1 },
          );
        }
        continue;
      }
      const at = { file, row: rec.row };
      if (rec.unclosedQuote) {
        skipUnclosedQuote(c, file, rec, header, cols.id);
        continue;
      }
      const f = rec.fields;
      const id = (f[cols.id] ?? '').trim();
      if (f.length !== header.length) {
        c.skip('wrong-field-count', id, at, `${f.length} fields where the header has ${header.length}.`);
        continue;
      }
      if (id === '') {
        c.skip('invalid-row', '', { ...at, column: 'image_number' }, 'image_number (the tweet id) is empty.');
        continue;
      }
      const label = classIndex(f[cols.label], classes.length);
      if (label === undefined) {
        c.skip('unknown-label', id, { ...at, column: 'Primary_numeric_gt' }, `label ${JSON.stringify(f[cols.label])} is not one of 0..3 (${classes.join(', ')}).`);
        continue;
      }
      const tweet = f[cols.tweet]!;
      const ocr = f[cols.ocr]!;
      const text = (PANDAS_NA.has(tweet) ? '' : tweet) + (PANDAS_NA.has(ocr) ? '' : options.ocrSeparator + ocr);
      c.add({ id, text, label, split, images: jpgThenPng(images, id), at });
    }
    if (header === undefined) {
      throw new MmauxDatasetError('INVALID_FORMAT', `${fn}: ${file} is empty; expected a header and one row per tweet.`, { file });
    }
  }
  const report = c.finish(classes.length, { method: 'official', seed: options.seed });
  return { name: 'mhp', posts: c.posts, classes, report };
}
