// MVSA-Single and MVSA-Multiple (Niu et al., MMM 2016), METHOD.md §5.2: `labelResultAll.txt`
// (tab-separated "ID<TAB>text,image" with one annotation, three for -Multiple) plus
// `data/{ID}.txt|jpg`, or Cheema et al.'s `valid_pairlist.txt` ("id,multimodal,text,image",
// 0 neutral, 1 positive, 2 negative) when it is there. Seeded stratified 80/10/10 split.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASET_CLASSES } from '../dataset-classes.js';
import { MmauxDatasetError } from '../errors.js';
import { readLines } from '../formats/lines.js';
import type { PostCollector, RowLocation } from '../post-collector.js';
import type { LoadedDataset } from '../types.js';
import {
  classNames,
  collector,
  dataFolder,
  decodeText,
  firstExisting,
  imageFolder,
  jpgThenPng,
  type ResolvedOptions,
} from './common.js';

type Sentiment = 'neutral' | 'positive' | 'negative';
const INDEX: Readonly<Record<Sentiment, number>> = { neutral: 0, positive: 1, negative: 2 };
const SENTIMENTS = new Set<string>(['neutral', 'positive', 'negative']);

/**
 * @internal The multimodal label of METHOD.md §5.2: equal labels stay; a neutral modality
 * takes the other's label; positive against negative has none (the pair is dropped).
 */
export function multimodalLabel(text: Sentiment, image: Sentiment): Sentiment | undefined {
  if (text === image) return text;
  if (text === 'neutral') return image;
  if (image === 'neutral') return text;
  return undefined;
}

/** @internal The label at least two of three annotators gave, or undefined. */
export function majority(a: Sentiment, b: Sentiment, c: Sentiment): Sentiment | undefined {
  if (a === b || a === c) return a;
  if (b === c) return b;
  return undefined;
}

interface Entry {
  id: string;
  label: number;
  at: RowLocation;
}

/** @internal */
export async function loadMvsa(variant: 'mvsa-single' | 'mvsa-multiple', root: string, options: ResolvedOptions): Promise<LoadedDataset> {
  const fn = `loadDataset('${variant}')`;
  const annotations = variant === 'mvsa-single' ? 1 : 3;
  const dir = dataFolder(fn, root, 'labelResultAll.txt and data/{ID}.txt, data/{ID}.jpg');
  const dataDir = join(dir, 'data');
  const images = imageFolder(fn, dir, options.imageDir, ['data']);
  const classes = classNames(fn, DATASET_CLASSES[variant], options.classes);
  const pairList = firstExisting(dir, ['valid_pairlist.txt']);
  const labelFile = pairList ?? firstExisting(dir, ['labelResultAll.txt']);
  if (labelFile === undefined) {
    throw new MmauxDatasetError(
      'NOT_FOUND',
      `${fn}: neither labelResultAll.txt nor valid_pairlist.txt is in ${dir}; pass the ${variant === 'mvsa-single' ? 'MVSA_Single' : 'MVSA'} folder of the download.`,
      { file: join(dir, 'labelResultAll.txt') },
    );
  }
  const c = collector(variant, fn, dir, [images, dir], options);
  const entries: Entry[] = [];

  let first = true;
  for await (const { text: raw, line } of readLines(labelFile)) {
    const text = raw.trim();
    if (text === '') continue;
    const at = { file: labelFile, row: line };
    if (pairList !== undefined) {
      const f = text.split(',').map((s) => s.trim());
      if (first && !/^\d+$/.test(f[1] ?? '')) {
        first = false;
        continue; // a header line
      }
      first = false;
      const id = f[0] ?? '';
      if (f.length !== 4) {
        c.skip('wrong-field-count', id, at, `${f.length} comma-separated fields; valid_pairlist.txt lines are "id,multimodal,text,image".`);
        continue;
      }
      const label = /^[012]$/.test(f[1]!) ? Number(f[1]) : undefined;
      if (label === undefined) {
        c.skip('unknown-label', id, { ...at, column: 'multimodal' }, `label ${JSON.stringify(f[1])} is not 0 (neutral), 1 (positive) or 2 (negative).`);
        continue;
      }
      if (fileStem(c, id, at)) entries.push({ id, label, at });
      continue;
    }
    const f = text.split('\t').map((s) => s.trim());
    if (first && f[0]!.toLowerCase() === 'id') {
      first = false;
      continue;
    }
    first = false;
    const id = f[0]!;
    if (f.length !== 1 + annotations) {
      c.skip(
        'wrong-field-count',
        id,
        at,
        `${f.length - 1} annotations where ${variant} has ${annotations} ("ID${'\\ttext,image'.repeat(annotations)}"); is this the right variant?`,
      );
      continue;
    }
    const pairs = f.slice(1).map((p) => p.split(',').map((s) => s.trim().toLowerCase()));
    const badPair = pairs.find((p) => p.length !== 2 || !SENTIMENTS.has(p[0]!) || !SENTIMENTS.has(p[1]!));
    if (badPair !== undefined) {
      c.skip('unknown-label', id, at, `annotation ${JSON.stringify(badPair.join(','))} is not "text,image" with labels positive, neutral or negative.`);
      continue;
    }
    const t = pairs.map((p) => p[0] as Sentiment);
    const v = pairs.map((p) => p[1] as Sentiment);
    const textLabel = annotations === 1 ? t[0] : majority(t[0]!, t[1]!, t[2]!);
    const imageLabel = annotations === 1 ? v[0] : majority(v[0]!, v[1]!, v[2]!);
    if (textLabel === undefined || imageLabel === undefined) {
      c.filter('no-majority', id, at, `the three ${textLabel === undefined ? 'text' : 'image'} annotations all differ (${(textLabel === undefined ? t : v).join(', ')}).`);
      continue;
    }
    const label = multimodalLabel(textLabel, imageLabel);
    if (label === undefined) {
      c.filter('conflicting-labels', id, at, `text ${textLabel} and image ${imageLabel} conflict; such pairs are dropped, as in the paper's code.`);
      continue;
    }
    if (fileStem(c, id, at)) entries.push({ id, label: INDEX[label], at });
  }

  // Text: the first line of data/{ID}.txt, decoded as UTF-8 when valid, else ISO-8859-1.
  // Synchronous reads: for thousands of tiny files they are several times faster than
  // promises here, and the whole set takes well under a second.
  entries.forEach((e) => {
    let text: string | undefined;
    try {
      text = firstLine(decodeText(readFileSync(join(dataDir, `${e.id}.txt`))));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    c.add({
      id: e.id,
      text,
      missingText: `its text file ${join(dataDir, `${e.id}.txt`)} does not exist.`,
      label: e.label,
      images: jpgThenPng(images, e.id),
      at: e.at,
    });
  });
  const report = c.finish(classes.length, { method: 'seeded', seed: options.seed });
  if (pairList !== undefined) report.warnings.push(`labels read from ${pairList} (its multimodal column), not from labelResultAll.txt.`);
  return { name: variant, posts: c.posts, classes, report };
}

/** Ids name files in data/: one that is not a plain file name is a bad row. */
function fileStem(c: PostCollector, id: string, at: RowLocation): boolean {
  if (id !== '' && id !== '.' && id !== '..' && !/[/\\\0]/.test(id)) return true;
  c.skip('invalid-row', id, at, `id ${JSON.stringify(id)} is not a file name (data/{ID}.txt).`);
  return false;
}

/** The first line, stripped, as the paper's code reads MVSA texts (`readlines()[0].strip()`). */
function firstLine(text: string): string {
  const m = /\r\n|\r|\n/.exec(text);
  return (m === null ? text : text.slice(0, m.index)).trim();
}
