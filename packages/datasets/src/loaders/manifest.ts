// The generic manifest for anyone's own data: CSV (or TSV) with a header, or JSONL with one
// object per line; fields id, text, image (relative to the manifest's folder; empty for a
// text-only post), label (a class name or index), optional split and group. Streamed, so a
// manifest of any length is read with bounded memory besides the posts themselves; images are
// only looked up (fs.lstat), never opened.
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { MmauxDatasetError } from '../errors.js';
import { readCsvRecords } from '../formats/csv.js';
import { readLines } from '../formats/lines.js';
import type { RowLocation } from '../post-collector.js';
import type { LoadedDataset, Split } from '../types.js';
import { collector, column, nonEmpty, type ResolvedOptions, skipUnclosedQuote, wellFormedRow } from './common.js';
import { splitName } from './split-names.js';

interface RawRow {
  id: string;
  text: string;
  image: string | null;
  label: string;
  split: Split | '';
  group: string | undefined;
  at: RowLocation;
}

function scalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** `dataset.json` next to the manifest, if it has a usable `classes` array. */
function datasetJsonClasses(fn: string, dir: string, warnings: string[]): string[] | undefined {
  const file = join(dir, 'dataset.json');
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MmauxDatasetError('INVALID_FORMAT', `${fn}: ${file} is not valid JSON (${(err as Error).message}); fix it or remove it.`, { file }, { cause: err });
  }
  const classes = (meta as { classes?: unknown } | null)?.classes;
  if (Array.isArray(classes) && classes.length > 0 && classes.every((c) => typeof c === 'string' && c !== '') && new Set(classes).size === classes.length) {
    return classes as string[];
  }
  warnings.push(`${file} has no usable "classes" array (non-empty, unique strings); the classes were taken from the labels instead.`);
  return undefined;
}

/** @internal */
export async function loadManifest(root: string, options: ResolvedOptions): Promise<LoadedDataset> {
  const fn = "loadDataset('manifest')";
  let file = resolve(root);
  const st = statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) {
    const inside = ['manifest.jsonl', 'manifest.csv'].map((n) => join(file, n)).find((p) => statSync(p, { throwIfNoEntry: false })?.isFile());
    if (inside === undefined) {
      throw new MmauxDatasetError('NOT_FOUND', `${fn}: ${file} is a folder without manifest.jsonl or manifest.csv; pass the manifest file itself.`, { file });
    }
    file = inside;
  } else if (st === undefined || !st.isFile()) {
    throw new MmauxDatasetError('NOT_FOUND', `${fn}: there is no manifest file ${file}; pass the path of your .csv or .jsonl manifest.`, { file });
  }
  const dir = dirname(file);
  const imageRoot = options.imageRoot === undefined ? dir : resolve(options.imageRoot);
  const c = collector('manifest', fn, file, [imageRoot], options);
  const rows: RawRow[] = [];
  let withSplit = 0;

  const take = (r: { id?: string; text?: string; image?: string; label?: string; split?: string; group?: string }, at: RowLocation): void => {
    const id = r.id?.trim() ?? '';
    if (id === '') {
      c.skip('invalid-row', '', { ...at, column: 'id' }, 'the id is missing or empty; every post needs a unique id.');
      return;
    }
    const label = r.label?.trim() ?? '';
    if (label === '') {
      c.skip('unknown-label', id, { ...at, column: 'label' }, 'the label is missing or empty.');
      return;
    }
    const split = splitName(r.split);
    if (split === undefined) {
      c.skip('invalid-split', id, { ...at, column: 'split' }, `split ${JSON.stringify(r.split)} is not train, val (valid, validation, dev) or test; leave it empty to have the row split with the seed.`);
      return;
    }
    if (split !== '') withSplit += 1;
    const image = r.image?.trim() ?? '';
    const group = r.group?.trim() ?? '';
    rows.push({ id, text: r.text ?? '', image: image === '' ? null : image, label, split, group: group === '' ? undefined : group, at });
  };

  const ext = extname(file).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson' || (ext !== '.csv' && ext !== '.tsv' && sniffJsonl(file))) {
    for await (const { text: line, line: row } of readLines(file)) {
      if (line.trim() === '') continue;
      const at = { file, row };
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (err) {
        c.skip('invalid-row', '', at, `not valid JSON (${(err as Error).message}); JSONL manifests hold one JSON object per line.`);
        continue;
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
        c.skip('invalid-row', '', at, 'not a JSON object; each line must be {"id", "text", "image", "label", "split"?, "group"?}.');
        continue;
      }
      const o = obj as Record<string, unknown>;
      take(
        {
          id: scalar(o['id']),
          text: scalar(o['text']),
          image: scalar(o['image'] ?? o['image_path'] ?? o['imagePath']),
          label: scalar(o['label']),
          split: scalar(o['split']),
          group: scalar(o['group'] ?? o['group_id'] ?? o['groupId']),
        },
        at,
      );
    }
  } else {
    let header: string[] | undefined;
    let cols = { id: -1, text: -1, image: -1, label: -1, split: -1, group: -1 };
    // A quote left open is reported on its row; the rows below it are read as rows (a row is
    // well formed when it has the header's fields, an id, a label and a valid or empty split).
    const isRecord = wellFormedRow([
      [['id'], nonEmpty],
      [['label'], nonEmpty],
      [['split'], (v) => splitName(v) !== undefined],
    ]);
    for await (const rec of readCsvRecords(file, { delimiter: ext === '.tsv' ? '\t' : ',', unclosedQuotes: 'recover', isRecord })) {
      if (header === undefined) {
        header = rec.fields;
        cols = {
          id: column(header, ['id']),
          text: column(header, ['text']),
          image: column(header, ['image', 'image_path', 'imagePath']),
          label: column(header, ['label']),
          split: column(header, ['split']),
          group: column(header, ['group', 'group_id', 'groupId']),
        };
        const missing = (['id', 'text', 'label'] as const).filter((k) => cols[k] < 0);
        if (missing.length > 0) {
          throw new MmauxDatasetError(
            'INVALID_FORMAT',
            `${fn}: ${file} row 1: the header ${JSON.stringify(header)} has no ${missing.join(', ')} column; a manifest needs id, text, image, label (split and group optional).`,
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
      if (f.length !== header.length) {
        c.skip('wrong-field-count', f[cols.id]?.trim() ?? '', at, `${f.length} fields where the header has ${header.length}; quote fields that contain the delimiter.`);
        continue;
      }
      const get = (i: number): string | undefined => (i < 0 ? undefined : f[i]);
      take({ id: get(cols.id), text: get(cols.text), image: get(cols.image), label: get(cols.label), split: get(cols.split), group: get(cols.group) }, at);
    }
    if (header === undefined) {
      throw new MmauxDatasetError('INVALID_FORMAT', `${fn}: ${file} is empty; expected a header (id,text,image,label) and one row per post.`, { file });
    }
  }

  // Classes: options.classes, else dataset.json, else from the labels.
  let classes = options.classes === undefined ? datasetJsonClasses(fn, dir, c.warnings) : [...options.classes];
  const explicit = classes !== undefined;
  if (classes === undefined) {
    const numeric = rows.length > 0 && rows.every((r) => /^\d+$/.test(r.label));
    if (numeric) {
      const max = rows.reduce((m, r) => Math.max(m, Number(r.label)), 0);
      classes = Array.from({ length: max + 1 }, (_, k) => String(k));
    } else {
      classes = [...new Set(rows.map((r) => r.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    if (classes.length > 0) {
      c.warnings.push(
        `classes taken from the labels (${numeric ? 'indices 0..max' : 'sorted names'}): ${classes.join(', ')}; pass options.classes or a dataset.json with "classes" to fix their order.`,
      );
    }
  }
  const byName = new Map(classes.map((name, k) => [name, k]));
  for (const r of rows) {
    let label = byName.get(r.label);
    if (label === undefined && /^\d+$/.test(r.label) && Number(r.label) < classes.length) label = Number(r.label);
    if (label === undefined) {
      c.skip(
        'unknown-label',
        r.id,
        { ...r.at, column: 'label' },
        `label ${JSON.stringify(r.label)} is neither a class name nor an index below ${classes.length} (classes${explicit ? '' : ' from the labels'}: ${classes.join(', ')}).`,
      );
      continue;
    }
    c.add({
      id: r.id,
      text: r.text,
      label,
      images: r.image === null ? null : [isAbsolute(r.image) ? r.image : join(dir, r.image)],
      split: r.split === '' ? undefined : r.split,
      groupId: r.group,
      at: r.at,
    });
  }
  rows.length = 0;
  const method = withSplit === 0 ? 'seeded' : c.posts.every((p) => (p.split as string) !== '') ? 'file' : 'mixed';
  if (method === 'mixed') {
    c.warnings.push(`${c.posts.filter((p) => (p.split as string) === '').length} rows have no split; they were split 80/10/10 with seed ${options.seed}, the others keep theirs.`);
  }
  const report = c.finish(classes.length, { method, seed: options.seed });
  return { name: 'manifest', posts: c.posts, classes, report };
}

/** A file of unknown extension is JSONL when its first non-blank character is `{`. */
function sniffJsonl(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n).replace(/^\uFEFF/, '').trimStart().startsWith('{');
  } finally {
    closeSync(fd);
  }
}
