// New, unlabelled posts for `mmaux predict`: JSONL or CSV with a text and an image path per post.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parseCsv } from '@mmaux/datasets';
import { MmauxTrainerError } from './errors.js';
import type { EncodablePost } from './features.js';

const IMAGE_FIELDS = ['image', 'image_path', 'imagePath'];

/**
 * Reads posts from `file`: `.jsonl` (one object per line) or `.csv`/`.tsv` (a header row), with
 * `text` (required), `image` (a path relative to the file; optional) and `id` (optional: the row
 * number). Every problem names the file, the row and the field.
 */
export function readNewPosts(file: string): EncodablePost[] {
  if (!existsSync(file)) throw new MmauxTrainerError('NOT_FOUND', `input file ${file} does not exist.`);
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  let records: { row: number; value: Record<string, unknown> }[];
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') {
    records = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new MmauxTrainerError('BAD_INPUT', `${file} line ${i + 1} is not valid JSON (${(err as Error).message}); one object per line: {"text": ..., "image": ...}.`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MmauxTrainerError('BAD_INPUT', `${file} line ${i + 1}: expected an object like {"text": ..., "image": ...}.`);
      records.push({ row: i + 1, value: value as Record<string, unknown> });
    });
  } else if (ext === '.csv' || ext === '.tsv') {
    const rows = parseCsv(text, { delimiter: ext === '.tsv' ? '\t' : ',' });
    const header = rows[0]?.fields ?? [];
    if (!header.includes('text')) throw new MmauxTrainerError('BAD_INPUT', `${file}: the header has no "text" column (it has ${header.join(', ') || 'nothing'}).`);
    records = rows.slice(1).map(({ fields, row }) => {
      if (fields.length !== header.length) throw new MmauxTrainerError('BAD_INPUT', `${file} row ${row}: ${fields.length} fields where the header has ${header.length}.`);
      return { row, value: Object.fromEntries(header.map((h, j) => [h, fields[j]])) };
    });
  } else {
    throw new MmauxTrainerError('BAD_INPUT', `input file ${file}: unknown format "${ext}"; use .jsonl or .csv.`);
  }
  if (records.length === 0) throw new MmauxTrainerError('BAD_INPUT', `input file ${file} holds no posts.`);
  const seen = new Set<string>();
  return records.map(({ row, value }) => {
    const where = `${file} ${ext === '.csv' || ext === '.tsv' ? 'row' : 'line'} ${row}`;
    const id = value.id === undefined || value.id === '' ? String(row) : String(value.id);
    if (seen.has(id)) throw new MmauxTrainerError('BAD_INPUT', `${where}: id ${JSON.stringify(id)} appears twice; ids must be unique.`);
    seen.add(id);
    if (typeof value.text !== 'string' || value.text.trim() === '') throw new MmauxTrainerError('BAD_INPUT', `${where}, field text: expected a non-empty string, got ${JSON.stringify(value.text ?? null)}.`);
    const field = IMAGE_FIELDS.find((f) => value[f] !== undefined && value[f] !== '' && value[f] !== null);
    let imagePath: string | null = null;
    if (field !== undefined) {
      const raw = String(value[field]);
      imagePath = isAbsolute(raw) ? raw : resolve(dirname(resolve(file)), raw);
      if (!existsSync(imagePath)) throw new MmauxTrainerError('BAD_INPUT', `${where}, field ${field}: image ${imagePath} does not exist (paths are relative to the input file's folder).`);
    }
    return { id, text: value.text, imagePath };
  });
}
