import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { MmauxDatasetError } from '../errors.js';
import type { CsvOptions, CsvRecord } from '../formats/csv.js';
import { ImageResolver } from '../image-paths.js';
import { PostCollector } from '../post-collector.js';
import type { BadImagePolicy, DatasetName, LoadDatasetOptions } from '../types.js';

/** @internal Options after defaults and validation. */
export interface ResolvedOptions {
  seed: number;
  normalizeText: boolean;
  onBadImage: BadImagePolicy;
  strict: boolean;
  classes: readonly string[] | undefined;
  textFile: string | undefined;
  imageDir: string | undefined;
  imageRoot: string | undefined;
  checkImageFiles: boolean;
  ocrSeparator: string;
}

const POLICIES: readonly BadImagePolicy[] = ['error', 'skip', 'blank'];

/** @internal Validates the options and fills in the data set's defaults. */
export function resolveOptions(name: DatasetName, fn: string, options: LoadDatasetOptions): ResolvedOptions {
  const bad = (what: string): never => {
    throw new MmauxDatasetError('INVALID_OPTION', `${fn}: ${what}`);
  };
  if (options === null || typeof options !== 'object') bad(`options must be an object, got ${String(options)}.`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) bad(`seed must be an integer, got ${String(seed)}.`);
  const onBadImage = options.onBadImage ?? (name === 'micd' ? 'blank' : 'skip');
  if (!POLICIES.includes(onBadImage)) bad(`onBadImage must be 'error', 'skip' or 'blank', got ${JSON.stringify(onBadImage)}.`);
  for (const key of ['normalizeText', 'strict', 'checkImageFiles'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean') bad(`${key} must be true or false, got ${JSON.stringify(options[key])}.`);
  }
  for (const key of ['textFile', 'imageDir', 'imageRoot', 'ocrSeparator'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'string') bad(`${key} must be a string, got ${JSON.stringify(options[key])}.`);
  }
  const classes = options.classes;
  if (classes !== undefined) {
    if (!Array.isArray(classes) || classes.length === 0 || classes.some((c) => typeof c !== 'string' || c === '')) {
      bad(`classes must be a non-empty array of non-empty strings, got ${JSON.stringify(classes)}.`);
    }
    if (new Set(classes).size !== classes.length) bad(`classes must not repeat a name, got ${JSON.stringify(classes)}.`);
  }
  return {
    seed,
    normalizeText: options.normalizeText ?? name !== 'manifest',
    onBadImage,
    strict: options.strict ?? false,
    classes,
    textFile: options.textFile,
    imageDir: options.imageDir,
    imageRoot: options.imageRoot,
    checkImageFiles: options.checkImageFiles ?? true,
    ocrSeparator: options.ocrSeparator ?? '',
  };
}

/** @internal The data set folder, which must exist. */
export function dataFolder(fn: string, root: string, expects: string): string {
  const dir = resolve(root);
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st === undefined || !st.isDirectory()) {
    throw new MmauxDatasetError(
      'NOT_FOUND',
      `${fn}: ${st === undefined ? 'there is no folder' : 'this is not a folder:'} ${dir}; pass the data set's folder as you downloaded it (it should contain ${expects}).`,
      { file: dir },
    );
  }
  return dir;
}

/** @internal The first of `candidates` (relative to `dir`) that exists, or undefined. */
export function firstExisting(dir: string, candidates: readonly string[]): string | undefined {
  for (const c of candidates) {
    const p = join(dir, c);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** @internal A required file: the first candidate that exists, else NOT_FOUND naming them all. */
export function requireFile(fn: string, dir: string, candidates: readonly string[], what: string): string {
  const found = firstExisting(dir, candidates);
  if (found === undefined || !statSync(found).isFile()) {
    throw new MmauxDatasetError(
      'NOT_FOUND',
      `${fn}: ${what} not found in ${dir} (looked for ${candidates.join(', ')}); check that root is the data set's folder.`,
      { file: join(dir, candidates[0]!) },
    );
  }
  return found;
}

/** @internal The image folder: `options.imageDir`, else the first usual folder that exists, else `dir`. */
export function imageFolder(fn: string, dir: string, given: string | undefined, usual: readonly string[]): string {
  if (given !== undefined) {
    const p = isAbsolute(given) ? given : join(dir, given);
    if (!statSync(p, { throwIfNoEntry: false })?.isDirectory()) {
      throw new MmauxDatasetError('NOT_FOUND', `${fn}: imageDir ${p} is not a folder; pass the folder that holds the images.`, { file: p });
    }
    return resolve(p);
  }
  for (const u of usual) {
    const p = join(dir, u);
    if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) return p;
  }
  return dir;
}

/** @internal Class names: the data set's own, or `options.classes` as new names for them. */
export function classNames(fn: string, own: readonly string[], given: readonly string[] | undefined): string[] {
  if (given === undefined) return [...own];
  if (given.length !== own.length) {
    throw new MmauxDatasetError(
      'INVALID_OPTION',
      `${fn}: classes renames the data set's ${own.length} classes (${own.join(', ')}), so it needs ${own.length} names, got ${given.length}.`,
    );
  }
  return [...given];
}

/** @internal A collector for a data set, with its image resolver. */
export function collector(
  name: DatasetName,
  fn: string,
  source: string,
  imageRoots: string[],
  options: ResolvedOptions,
): PostCollector {
  return new PostCollector({
    dataset: name,
    fn,
    source,
    imageDir: imageRoots[0]!,
    strict: options.strict,
    onBadImage: options.onBadImage,
    normalizeText: options.normalizeText,
    images: new ImageResolver(imageRoots, options.checkImageFiles),
  });
}

/**
 * @internal An integer class index in [0, numClasses) from a field such as `2`, `2.0` or ` 2 `
 * (pandas writes integer columns with missing values as floats), else undefined.
 */
export function classIndex(value: string | number | undefined | null, numClasses: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : /^\s*[+-]?\d+(?:\.0*)?\s*$/.test(value) ? Number.parseFloat(value) : Number.NaN;
  return Number.isInteger(n) && n >= 0 && n < numClasses ? n : undefined;
}

/** @internal Index of the first header name found (case-insensitive, trimmed), or -1. */
export function column(header: readonly string[], names: readonly string[]): number {
  const norm = header.map((h) => h.trim().toLowerCase());
  for (const n of names) {
    const i = norm.indexOf(n.toLowerCase());
    if (i >= 0) return i;
  }
  return -1;
}

/** @internal A field that is not empty (ignoring spaces). */
export function nonEmpty(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/**
 * @internal The `isRecord` of a loader's CSV (see {@link CsvOptions.isRecord}): the header's field
 * count, and each column found in the header (by any of its names) passes its check.
 */
export function wellFormedRow(checks: ReadonlyArray<readonly [readonly string[], (value: string) => boolean]>): NonNullable<CsvOptions['isRecord']> {
  return (fields, header) =>
    fields.length === header.length &&
    checks.every(([names, ok]) => {
      const i = column(header, names);
      return i < 0 || ok(fields[i] ?? '');
    });
}

/**
 * @internal Skips a CSV row whose quote is left open (`unclosedQuotes: 'recover'`): the message
 * names the row, the line and column where the quote opens, and the lines it would have
 * swallowed, which are read as rows of their own.
 */
export function skipUnclosedQuote(c: PostCollector, file: string, rec: CsvRecord, header: readonly string[], idCol: number): void {
  const q = rec.unclosedQuote!;
  // The id is usable only when its field ends before the open quote.
  const id = idCol >= 0 && idCol < q.field - 1 ? (rec.fields[idCol] ?? '').trim() : '';
  const name = header[q.field - 1];
  const start = (rec.fields[q.field - 1] ?? '').slice(0, 40);
  const [from, to] = q.swallowedLines ?? [0, 0];
  const swallowed =
    q.swallowedLines === null
      ? 'it opens on the last line'
      : `read as RFC 4180 it would swallow line${from === to ? ` ${from}` : `s ${from}–${to}`}${q.closed ? '' : ' and everything after'} ` +
        `(${q.swallowedRecords} of these ${to - from + 1} lines are rows of their own), so only this row is skipped and reading goes on at line ${from}`;
  c.skip(
    'unclosed-quote',
    id,
    { file, row: rec.row, ...(name === undefined ? {} : { column: name }) },
    `the quote that opens field ${q.field}${name === undefined ? '' : ` (${name})`} on line ${rec.line} (${JSON.stringify(`"${start}`)}…) is not closed on that line${q.closed ? '' : ' nor anywhere below'}; ${swallowed}. ` +
      'Close the quote, or double the quotes inside the field ("").',
  );
}

/** @internal Image file candidates for a stem: `.jpg` first, then `.png` (as the paper's code falls back). */
export function jpgThenPng(dir: string, stem: string): string[] {
  return [join(dir, `${stem}.jpg`), join(dir, `${stem}.png`)];
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @internal Bytes to text: UTF-8 when the bytes are valid UTF-8 (a BOM dropped), else
 * ISO-8859-1, which decodes any byte (MVSA's text files mix both).
 */
export function decodeText(bytes: Uint8Array): string {
  const b = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return UTF8.decode(b);
  } catch {
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  }
}
