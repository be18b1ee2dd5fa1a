import { MmauxDatasetError } from './errors.js';
import type { ImageResolver } from './image-paths.js';
import {
  type BlankReason,
  countReason,
  type FilterReason,
  type LoadReport,
  type ProblemRow,
  SKIP_REASON_CODES,
  type SkipReason,
  type SplitInfo,
} from './report.js';
import { seededSplit } from './seeded-split.js';
import { normalizeTweet } from './text/tweet-normalizer.js';
import type { BadImagePolicy, DatasetName, Post, Split } from './types.js';

/** @internal Where a row came from. */
export interface RowLocation {
  file: string;
  row?: number;
  column?: string;
}

/** @internal One row a loader has read, before the common checks. */
export interface Candidate {
  id: string;
  /** The text, or undefined when it could not be found (`missingText` says where it was looked for). */
  text: string | undefined;
  missingText?: string;
  label: number;
  /** Image files to try in order; `null` for a post without an image. */
  images: readonly string[] | null;
  split?: Split;
  groupId?: string;
  at: RowLocation;
}

/** @internal Settings shared by every loader. */
export interface CollectorSettings {
  dataset: DatasetName;
  /** Prefix of every message, e.g. `loadDataset('tir')`. */
  fn: string;
  source: string;
  imageDir: string;
  strict: boolean;
  onBadImage: BadImagePolicy;
  normalizeText: boolean;
  images: ImageResolver;
}

function where(at: RowLocation): string {
  return `${at.file}${at.row !== undefined ? ` row ${at.row}` : ''}${at.column !== undefined ? `, column ${at.column}` : ''}`;
}

/**
 * @internal The checks every loader shares, in this order: duplicate id, missing text, empty
 * text (before and after normalisation), image (exists, stays inside the root); it keeps the
 * report and throws under `strict` or `onBadImage: 'error'`. Every row read ends in exactly one of `add` (kept or
 * skipped there), `skip` or `filter`, so `read = kept + skipped + filtered`.
 */
export class PostCollector {
  readonly posts: Post[] = [];
  private readonly seen = new Set<string>();
  private read = 0;
  private textOnly = 0;
  private readonly splitPool: Array<{ id: string; label: number }> = [];
  readonly skipped: LoadReport['skipped'] = {};
  readonly filtered: LoadReport['filtered'] = {};
  readonly blanked: LoadReport['blanked'] = {};
  readonly flagged: LoadReport['flagged'] = {};
  readonly problemRows: ProblemRow[] = [];
  readonly warnings: string[] = [];

  constructor(readonly settings: CollectorSettings) {}

  /** Drops a bad row (throws under `strict`). `id` may be empty when the row has none. */
  skip(reason: SkipReason, id: string, at: RowLocation, what: string): void {
    const message = `${this.settings.fn}: ${where(at)}${id ? ` (id ${id})` : ''}: ${what}`;
    if (this.settings.strict) {
      throw new MmauxDatasetError(SKIP_REASON_CODES[reason], `${message} (strict: true stops at the first bad row; without it the row is skipped and reported).`, {
        file: at.file,
        row: at.row,
        column: at.column,
        id: id || undefined,
      });
    }
    this.read += 1;
    const shown = id || (at.row !== undefined ? `row ${at.row}` : '?');
    countReason(this.skipped, reason, shown, message);
    this.note('skipped', reason, shown, at, message);
  }

  private note(outcome: ProblemRow['outcome'], reason: ProblemRow['reason'], id: string, at: RowLocation, message: string): void {
    const row: ProblemRow = { outcome, reason, id, file: at.file, message };
    if (at.row !== undefined) row.row = at.row;
    this.problemRows.push(row);
  }

  /** Leaves a row out by the data set's own rule (never an error). */
  filter(reason: FilterReason, id: string, at: RowLocation, what: string): void {
    this.read += 1;
    countReason(this.filtered, reason, id, `${this.settings.fn}: ${where(at)} (id ${id}): ${what}`);
  }

  /** Runs the shared checks on a row and keeps it as a post, or skips it. */
  add(c: Candidate): void {
    const { settings } = this;
    if (this.seen.has(c.id)) {
      this.skip('duplicate-id', c.id, c.at, `id "${c.id}" already occurred in an earlier row; the first one is kept. Give every post its own id.`);
      return;
    }
    this.seen.add(c.id);
    // The seeded split is drawn over every row with a valid id and label, before its text and
    // image are looked up: a post's split never depends on which files a machine has.
    if (c.split === undefined) this.splitPool.push({ id: c.id, label: c.label });
    if (c.text === undefined) {
      this.skip('missing-text', c.id, c.at, c.missingText ?? 'the text was not found.');
      return;
    }
    if (!/\S/.test(c.text)) {
      this.skip('empty-text', c.id, c.at, 'the text is empty; every post needs text.');
      return;
    }
    const text = settings.normalizeText ? normalizeTweet(c.text) : c.text;
    if (text === '') {
      this.skip('empty-text', c.id, c.at, `the text ${JSON.stringify(c.text)} is empty after normalisation.`);
      return;
    }
    let imagePath: string | null = null;
    let blank = false;
    if (c.images !== null) {
      const found = settings.images.lookup(c.images);
      if (found.ok) {
        imagePath = found.path;
      } else {
        const what =
          found.problem === 'missing-image'
            ? `image not found: ${found.detail}.`
            : `image path escapes the data root: ${found.detail}; images must stay inside the data folder (no "../", no absolute paths or symbolic links elsewhere).`;
        if (settings.onBadImage === 'error') {
          throw new MmauxDatasetError(
            SKIP_REASON_CODES[found.problem],
            `${settings.fn}: ${where(c.at)} (id ${c.id}): ${what} (onBadImage: 'error'; use 'skip' to drop such posts or 'blank' to keep them with a blank image).`,
            { file: c.at.file, row: c.at.row, id: c.id },
          );
        }
        if (settings.onBadImage === 'skip') {
          const hint = settings.strict ? '' : " Skipped (onBadImage: 'skip'); pass onBadImage: 'blank' to keep the post with a blank image.";
          this.skip(found.problem, c.id, c.at, `${what}${hint}`);
          return;
        }
        blank = true;
        const message = `${settings.fn}: ${where(c.at)} (id ${c.id}): ${what} Kept with a blank image.`;
        countReason(this.blanked, found.problem as BlankReason, c.id, message);
        this.note('blanked', found.problem, c.id, c.at, message);
      }
    } else {
      this.textOnly += 1;
    }
    // Bytes that were not UTF-8 arrive as U+FFFD: the post is kept, the row named in a warning.
    const replaced = c.text.split('\uFFFD').length - 1;
    if (replaced > 0) {
      const message =
        `${settings.fn}: ${where(c.at)} (id ${c.id}): the text holds ${replaced} U+FFFD replacement character${replaced === 1 ? '' : 's'} where the file's bytes were not valid UTF-8; ` +
        're-save the file as UTF-8 so the tokenizer sees the real characters.';
      countReason(this.flagged, 'invalid-utf8', c.id, message);
      this.note('flagged', 'invalid-utf8', c.id, c.at, message);
    }
    const post: Post = { id: c.id, text, imagePath, label: c.label, split: c.split ?? ('' as Split) };
    if (c.groupId !== undefined) post.groupId = c.groupId;
    if (blank) post.blankImage = true;
    this.read += 1;
    this.posts.push(post);
  }

  /**
   * Assigns seeded splits to the posts without one (drawn over every row that reached `add`
   * with a valid id and label and no split of its own), counts posts per class and split, and
   * returns the report.
   */
  finish(numClasses: number, splitInfo: { method: SplitInfo['method']; seed: number }): LoadReport {
    const { settings } = this;
    let seeded = false;
    if (this.splitPool.length > 0) {
      const splits = seededSplit(this.splitPool, { seed: splitInfo.seed });
      const byId = new Map(this.splitPool.map((p, i) => [p.id, splits[i]!]));
      for (const p of this.posts) if ((p.split as string) === '') p.split = byId.get(p.id)!;
      seeded = true;
    }
    const perSplit: LoadReport['perSplit'] = {
      train: new Array<number>(numClasses).fill(0),
      val: new Array<number>(numClasses).fill(0),
      test: new Array<number>(numClasses).fill(0),
    };
    for (const p of this.posts) perSplit[p.split][p.label]! += 1;
    const split: SplitInfo = { method: splitInfo.method };
    if (seeded || splitInfo.method === 'seeded') {
      split.seed = splitInfo.seed;
      split.fractions = [0.8, 0.1, 0.1];
    }
    const utf8 = this.flagged['invalid-utf8'];
    if (utf8 !== undefined) {
      const rows = this.problemRows.filter((r) => r.reason === 'invalid-utf8').slice(0, 20).map((r) => `${r.row !== undefined ? `row ${r.row} ` : ''}(id ${r.id})`);
      this.warnings.push(
        `${utf8.count} kept post${utf8.count === 1 ? ' has' : 's have'} text that is not valid UTF-8 (decoded with U+FFFD replacement characters, which the tokenizer sees): ` +
          `${rows.join(', ')}${utf8.count > rows.length ? `, … ${utf8.count - rows.length} more` : ''}; re-save the file as UTF-8.`,
      );
    }
    const report: LoadReport = {
      dataset: settings.dataset,
      source: settings.source,
      imageDir: settings.imageDir,
      read: this.read,
      kept: this.posts.length,
      skipped: this.skipped,
      filtered: this.filtered,
      blanked: this.blanked,
      flagged: this.flagged,
      problemRows: this.problemRows,
      textOnly: this.textOnly,
      perSplit,
      split,
      warnings: this.warnings,
    };
    if (seeded) report.splitSeed = splitInfo.seed;
    return report;
  }
}
