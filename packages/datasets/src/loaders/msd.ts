// MSD (Cai et al., ACL 2019), METHOD.md §5.4: `text/train.txt`, `text/valid2.txt`,
// `text/test2.txt`, one Python list literal per line ([id, text, label] for train,
// [id, text, hashtag_label, human_label] for valid/test; the last element is the label), read
// without evaluating anything; the standard word filter; images `dataset_image/{id}.jpg`;
// official splits.
import { join } from 'node:path';
import { DATASET_CLASSES } from '../dataset-classes.js';
import { MmauxDatasetError } from '../errors.js';
import { readLines } from '../formats/lines.js';
import { parsePythonLiteral, type PythonValue } from '../formats/python-literal.js';
import type { LoadedDataset, Split } from '../types.js';
import { classNames, collector, dataFolder, firstExisting, imageFolder, jpgThenPng, type ResolvedOptions } from './common.js';

/**
 * The standard MSD filter (the original `codes/loadData.py`): a post whose whitespace tokens
 * include any of these words is dropped; its image was never released.
 */
export const MSD_FILTER_WORDS: readonly string[] = ['exgag', 'sarcasm', 'sarcastic', 'reposting', '<url>', 'joke', 'humour', 'humor', 'jokes', 'irony', 'ironic'];

const FILTER = new Set(MSD_FILTER_WORDS);
const SPLIT_FILES: ReadonlyArray<[Split, string]> = [
  ['train', 'train.txt'],
  ['val', 'valid2.txt'],
  ['test', 'test2.txt'],
];

function asId(v: PythonValue | undefined): string | undefined {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))) return String(v);
  return undefined;
}

function asLabel(v: PythonValue | undefined): number | undefined {
  const n = typeof v === 'string' && /^\s*[01]\s*$/.test(v) ? Number(v) : v;
  return n === 0 || n === 1 ? n : undefined;
}

/** @internal */
export async function loadMsd(root: string, options: ResolvedOptions): Promise<LoadedDataset> {
  const fn = "loadDataset('msd')";
  const dir = dataFolder(fn, root, 'text/train.txt, text/valid2.txt, text/test2.txt and dataset_image/');
  const textDir = firstExisting(dir, ['text/train.txt']) !== undefined ? join(dir, 'text') : dir;
  const files = SPLIT_FILES.map(([split, name]) => {
    const file = firstExisting(textDir, [name]);
    if (file === undefined) {
      throw new MmauxDatasetError('NOT_FOUND', `${fn}: ${name} not found in ${textDir} (nor in ${join(dir, 'text')}); MSD needs train.txt, valid2.txt and test2.txt.`, {
        file: join(textDir, name),
      });
    }
    return [split, file] as const;
  });
  const images = imageFolder(fn, dir, options.imageDir, ['dataset_image', 'images']);
  const classes = classNames(fn, DATASET_CLASSES.msd, options.classes);
  const c = collector('msd', fn, dir, [images, dir], options);
  let differing = 0;
  const differingIds: string[] = [];

  for (const [split, file] of files) {
    const width = split === 'train' ? 3 : 4;
    for await (const { text: line, line: row } of readLines(file)) {
      if (line.trim() === '') continue;
      const at = { file, row };
      let value: PythonValue;
      try {
        value = parsePythonLiteral(line);
      } catch (err) {
        c.skip('invalid-row', '', at, `${(err as Error).message}`);
        continue;
      }
      if (!Array.isArray(value)) {
        c.skip('invalid-row', '', at, 'the line is not a Python list ([id, text, ..., label]).');
        continue;
      }
      const id = asId(value[0]);
      if (value.length !== width) {
        c.skip('wrong-field-count', id ?? '', at, `${value.length} elements where ${split === 'train' ? 'train.txt lines have 3 ([id, text, label])' : `${split === 'val' ? 'valid2' : 'test2'}.txt lines have 4 ([id, text, hashtag_label, label])`}.`);
        continue;
      }
      if (id === undefined || id === '') {
        c.skip('invalid-row', '', at, `the first element ${JSON.stringify(String(value[0]))} is not a tweet id.`);
        continue;
      }
      const text = value[1];
      if (typeof text !== 'string') {
        c.skip('invalid-row', id, at, 'the second element (the text) is not a string.');
        continue;
      }
      const label = asLabel(value[value.length - 1]);
      if (label === undefined) {
        c.skip('unknown-label', id, at, `label ${JSON.stringify(String(value[value.length - 1]))} is not 0 (not sarcastic) or 1 (sarcastic).`);
        continue;
      }
      const word = text.split(/\s+/).find((t) => FILTER.has(t));
      if (word !== undefined) {
        c.filter('filtered-word', id, at, `the text contains "${word}", one of MSD's filter words.`);
        continue;
      }
      if (width === 4 && asLabel(value[2]) !== label) {
        differing += 1;
        if (differingIds.length < 20) differingIds.push(id);
      }
      c.add({ id, text, label, split, images: jpgThenPng(images, id), at });
    }
  }
  const report = c.finish(classes.length, { method: 'official', seed: options.seed });
  if (differing > 0) {
    report.warnings.push(
      `${differing} validation/test posts have a hashtag label that differs from the human label (the last element, which is used): ${differingIds.join(', ')}${differing > differingIds.length ? ', …' : ''}.`,
    );
  }
  return { name: 'msd', posts: c.posts, classes, report };
}
