// MICD (Sánchez Villegas, Goanta & Aletras, AACL 2023), METHOD.md §5.5: `data_key_mic.csv`
// (id, domain, year, month, label, split = train/val/test) joined with the tweet texts the user
// rehydrated (`options.textFile`, CSV or JSONL); images `spc_imgs_twitter/{id}_1.jpg`, a blank
// image where there is none (as the authors do); official splits.
import { resolve } from 'node:path';
import { DATASET_CLASSES } from '../dataset-classes.js';
import { MmauxDatasetError } from '../errors.js';
import { readCsvRecords } from '../formats/csv.js';
import { readLines } from '../formats/lines.js';
import type { LoadedDataset } from '../types.js';
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
import { splitName } from './split-names.js';

const ID_NAMES = ['id', 'tweet_id', 'id_str'];
const TEXT_NAMES = ['text', 'full_text', 'tweet_text', 'tweet'];

/** @internal Reads a rehydrated text file into id → text (the first text of an id wins). */
export async function readTextFile(fn: string, file: string, warnings: string[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  let repeated = 0;
  const put = (id: string, text: string): void => {
    if (texts.has(id)) repeated += 1;
    else texts.set(id, text);
  };
  if (/\.(jsonl|ndjson)$/i.test(file)) {
    let bad = 0;
    let firstBad = 0;
    let unsafe = 0;
    for await (const { text: line, line: row } of readLines(file)) {
      if (line.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        obj = undefined;
      }
      const o = obj as Record<string, unknown> | undefined;
      const id = o?.['id_str'] ?? o?.['id'] ?? o?.['tweet_id'];
      const text = o?.['full_text'] ?? o?.['text'];
      if (typeof id === 'number' && !Number.isSafeInteger(id)) unsafe += 1;
      if (o === undefined || typeof o !== 'object' || (typeof id !== 'string' && typeof id !== 'number') || typeof text !== 'string') {
        bad += 1;
        if (firstBad === 0) firstBad = row;
        continue;
      }
      put(String(id).trim(), text);
    }
    if (bad > 0) warnings.push(`${file}: ${bad} lines are not JSON objects with an id (or id_str) and a text (or full_text), first on line ${firstBad}; they were ignored.`);
    if (unsafe > 0) warnings.push(`${file}: ${unsafe} ids are JSON numbers beyond 2^53 and lost digits; write ids as strings (id_str).`);
  } else {
    let header: string[] | undefined;
    let idCol = -1;
    let textCol = -1;
    let bad = 0;
    const openQuotes: number[] = [];
    // Tweet ids are digits: a line of tweet text is not mistaken for a row.
    const isRecord = wellFormedRow([[ID_NAMES, (v) => /^\s*\d+\s*$/.test(v)]]);
    for await (const rec of readCsvRecords(file, { unclosedQuotes: 'recover', isRecord })) {
      if (header === undefined) {
        header = rec.fields;
        idCol = column(header, ID_NAMES);
        textCol = column(header, TEXT_NAMES);
        if (idCol < 0 || textCol < 0) {
          throw new MmauxDatasetError(
            'INVALID_FORMAT',
            `${fn}: textFile ${file} row 1: the header ${JSON.stringify(header)} needs an id and a text column (CSV with id,text; or a .jsonl file).`,
            { file, row: 1 },
          );
        }
        continue;
      }
      if (rec.unclosedQuote) {
        openQuotes.push(rec.row);
        continue;
      }
      const id = rec.fields[idCol]?.trim();
      const text = rec.fields[textCol];
      if (id === undefined || id === '' || text === undefined) {
        bad += 1;
        continue;
      }
      put(id, text);
    }
    if (bad > 0) warnings.push(`${file}: ${bad} rows without an id or a text were ignored.`);
    if (openQuotes.length > 0) {
      warnings.push(
        `${file}: ${openQuotes.length} rows open a quote that is not closed on their line (rows ${openQuotes.slice(0, 20).join(', ')}${openQuotes.length > 20 ? ', …' : ''}); ` +
          'they were ignored and the lines below them read as rows. Close the quotes or double them inside the text ("").',
      );
    }
  }
  if (repeated > 0) warnings.push(`${file}: ${repeated} ids occur more than once; the first text of each was used.`);
  return texts;
}

/** @internal */
export async function loadMicd(root: string, options: ResolvedOptions): Promise<LoadedDataset> {
  const fn = "loadDataset('micd')";
  const dir = dataFolder(fn, root, 'data_key_mic.csv and spc_imgs_twitter/');
  const keyFile = requireFile(fn, dir, ['data_key_mic.csv', 'data/data_key_mic.csv'], 'data_key_mic.csv');
  if (options.textFile === undefined) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: MICD ships ids and labels but no text; pass options.textFile, the tweets you rehydrated (CSV with id,text or JSONL with id/id_str and text/full_text).`,
    );
  }
  const textFile = resolve(options.textFile);
  const images = imageFolder(fn, dir, options.imageDir, ['spc_imgs_twitter', 'images']);
  const classes = classNames(fn, DATASET_CLASSES.micd, options.classes);
  const c = collector('micd', fn, dir, [images, dir], options);
  let texts: Map<string, string>;
  try {
    texts = await readTextFile(fn, textFile, c.warnings);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MmauxDatasetError('NOT_FOUND', `${fn}: textFile ${textFile} does not exist; pass the file of rehydrated tweets.`, { file: textFile }, { cause: err });
    }
    throw err;
  }

  let header: string[] | undefined;
  let cols = { id: -1, label: -1, split: -1 };
  const isRecord = wellFormedRow([
    [['id', 'tweet_id'], nonEmpty],
    [['label'], (v) => classIndex(v, classes.length) !== undefined],
    [['split'], (v) => nonEmpty(v) && splitName(v) !== undefined],
  ]);
  for await (const rec of readCsvRecords(keyFile, { unclosedQuotes: 'recover', isRecord })) {
    if (header === undefined) {
      header = rec.fields;
      cols = { id: column(header, ['id', 'tweet_id']), label: column(header, ['label']), split: column(header, ['split']) };
      if (cols.id < 0 || cols.label < 0 || cols.split < 0) {
        throw new MmauxDatasetError(
          'INVALID_FORMAT',
          `${fn}: ${keyFile} row 1: the header ${JSON.stringify(header)} needs id, label and split columns (data_key_mic.csv has id, domain, year, month, label, split).`,
          { file: keyFile, row: 1 },
        );
      }
      continue;
    }
    const at = { file: keyFile, row: rec.row };
    if (rec.unclosedQuote) {
      skipUnclosedQuote(c, keyFile, rec, header, cols.id);
      continue;
    }
    const f = rec.fields;
    const id = (f[cols.id] ?? '').trim();
    if (f.length !== header.length) {
      c.skip('wrong-field-count', id, at, `${f.length} fields where the header has ${header.length}.`);
      continue;
    }
    if (id === '') {
      c.skip('invalid-row', '', { ...at, column: header[cols.id] }, 'the id is empty.');
      continue;
    }
    const label = classIndex(f[cols.label], classes.length);
    if (label === undefined) {
      c.skip('unknown-label', id, { ...at, column: 'label' }, `label ${JSON.stringify(f[cols.label])} is not 0 (not commercial) or 1 (commercial).`);
      continue;
    }
    const split = splitName(f[cols.split]!);
    if (split === undefined || split === '') {
      c.skip('invalid-split', id, { ...at, column: 'split' }, `split ${JSON.stringify(f[cols.split])} is not train, val or test.`);
      continue;
    }
    c.add({
      id,
      text: texts.get(id),
      missingText: `no text for this id in ${textFile}; rehydrate it or leave it out.`,
      label,
      split,
      images: jpgThenPng(images, `${id}_1`),
      at,
    });
  }
  if (header === undefined) {
    throw new MmauxDatasetError('INVALID_FORMAT', `${fn}: ${keyFile} is empty; expected a header and one row per tweet.`, { file: keyFile });
  }
  const report = c.finish(classes.length, { method: 'official', seed: options.seed });
  return { name: 'micd', posts: c.posts, classes, report };
}
