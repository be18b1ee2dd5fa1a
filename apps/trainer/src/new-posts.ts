// New, unlabelled posts for `mmaux predict`: JSONL or CSV with a text and an image path per post.
// The input is not trusted: image paths follow the data-root rule of loading (inside the input
// file's folder or --data-root; no "../", no absolute path elsewhere, no symbolic link leading
// out), checked without opening the file; a refused or missing image follows the bad-image policy.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { createImagePathResolver, parseCsv } from '@mmaux/datasets';
import { MmauxTrainerError } from './errors.js';
import type { EncodablePost } from './features.js';
import type { SkippedPost } from './skips.js';

const IMAGE_FIELDS = ['image', 'image_path', 'imagePath'];

/** How {@link readNewPosts} treats image paths. */
export interface NewPostsOptions {
  /** The folder every image must be inside; default the input file's folder. */
  dataRoot?: string;
  /** A refused or missing image: drop the post (`skip`), keep it with a blank image (`blank`), or throw (`error`, `--strict`). */
  onBadImage: 'skip' | 'blank' | 'error';
}

/** The posts to classify, and those whose image was refused or missing (never read). */
export interface NewPosts {
  posts: EncodablePost[];
  skipped: SkippedPost[];
}

function records(file: string, text: string, ext: string): { row: number; value: Record<string, unknown> }[] {
  if (ext === '.jsonl' || ext === '.json' || ext === '.ndjson') {
    const out: { row: number; value: Record<string, unknown> }[] = [];
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new MmauxTrainerError('BAD_INPUT', `${file} line ${i + 1} is not valid JSON (${(err as Error).message}); one object per line: {"text": ..., "image": ...}.`);
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MmauxTrainerError('BAD_INPUT', `${file} line ${i + 1}: expected an object like {"text": ..., "image": ...}.`);
      out.push({ row: i + 1, value: value as Record<string, unknown> });
    });
    return out;
  }
  if (ext === '.csv' || ext === '.tsv') {
    const rows = parseCsv(text, { delimiter: ext === '.tsv' ? '\t' : ',', unclosedQuotes: 'recover' });
    const header = rows[0]?.fields ?? [];
    if (!header.includes('text')) throw new MmauxTrainerError('BAD_INPUT', `${file}: the header has no "text" column (it has ${header.join(', ') || 'nothing'}).`);
    return rows.slice(1).map(({ fields, row, line, unclosedQuote }) => {
      if (unclosedQuote) {
        throw new MmauxTrainerError(
          'BAD_INPUT',
          `${file} row ${row}: the quote that opens field ${unclosedQuote.field} on line ${line} is not closed on that line (it would swallow the rows below); close it or double the quotes inside ("").`,
        );
      }
      if (fields.length !== header.length) throw new MmauxTrainerError('BAD_INPUT', `${file} row ${row}: ${fields.length} fields where the header has ${header.length}.`);
      return { row, value: Object.fromEntries(header.map((h, j) => [h, fields[j]])) };
    });
  }
  throw new MmauxTrainerError('BAD_INPUT', `input file ${file}: unknown format "${ext}"; use .jsonl or .csv.`);
}

/**
 * Reads posts from `file`: `.jsonl` (one object per line) or `.csv`/`.tsv` (a header row), with
 * `text` (required), `image` (a path relative to the file; optional) and `id` (optional: the row
 * number). Every problem names the file, the row and the field. An image path that leaves the
 * data root, or names no file, is never opened: the post is skipped, blanked or refused per
 * `onBadImage`.
 */
export function readNewPosts(file: string, options: NewPostsOptions): NewPosts {
  if (!existsSync(file)) throw new MmauxTrainerError('NOT_FOUND', `input file ${file} does not exist.`);
  const ext = extname(file).toLowerCase();
  const list = records(file, readFileSync(file, 'utf8'), ext);
  if (list.length === 0) throw new MmauxTrainerError('BAD_INPUT', `input file ${file} holds no posts.`);
  const base = dirname(resolve(file));
  const root = resolve(options.dataRoot ?? base);
  const lookup = createImagePathResolver([root]);
  const seen = new Set<string>();
  const posts: EncodablePost[] = [];
  const skipped: SkippedPost[] = [];
  for (const { row, value } of list) {
    const where = `${file} ${ext === '.csv' || ext === '.tsv' ? 'row' : 'line'} ${row}`;
    const id = value.id === undefined || value.id === '' ? String(row) : String(value.id);
    if (seen.has(id)) throw new MmauxTrainerError('BAD_INPUT', `${where}: id ${JSON.stringify(id)} appears twice; ids must be unique.`);
    seen.add(id);
    if (typeof value.text !== 'string' || value.text.trim() === '') throw new MmauxTrainerError('BAD_INPUT', `${where}, field text: expected a non-empty string, got ${JSON.stringify(value.text ?? null)}.`);
    const field = IMAGE_FIELDS.find((f) => value[f] !== undefined && value[f] !== '' && value[f] !== null);
    if (field === undefined) {
      posts.push({ id, text: value.text, imagePath: null });
      continue;
    }
    const raw = String(value[field]);
    const found = lookup(isAbsolute(raw) ? raw : resolve(base, raw));
    if (found.ok) {
      posts.push({ id, text: value.text, imagePath: found.path });
      continue;
    }
    const rule = `images must be inside ${root} (${options.dataRoot === undefined ? "the input file's folder; --data-root names another" : '--data-root'}): no "../", no absolute path elsewhere, no symbolic link leading out`;
    const what =
      found.problem === 'image-escapes-root'
        ? `image ${JSON.stringify(raw)} was refused and not read: ${found.detail}; ${rule}.`
        : `image ${JSON.stringify(raw)} not found: ${found.detail} (paths are relative to the input file's folder).`;
    if (options.onBadImage === 'error') {
      throw new MmauxTrainerError('BAD_INPUT', `${where}, field ${field} (id ${id}): ${what} --strict stops at the first such post; without it the post is skipped and listed.`);
    }
    const blank = options.onBadImage === 'blank';
    skipped.push({
      stage: 'input',
      outcome: blank ? 'blanked' : 'skipped',
      reason: found.problem,
      id,
      file,
      row,
      message: `${where}, field ${field} (id ${id}): ${what} ${blank ? 'Kept with a blank image (--on-bad-image blank).' : 'Skipped.'}`,
    });
    if (blank) posts.push({ id, text: value.text, imagePath: null });
  }
  return { posts, skipped };
}
