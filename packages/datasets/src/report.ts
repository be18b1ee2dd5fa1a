import type { DatasetErrorCode } from './errors.js';
import type { DatasetName, Split } from './types.js';

/** Why a row was skipped (bad input; `strict: true` turns each into an error). */
export type SkipReason =
  | 'missing-image'
  | 'image-escapes-root'
  | 'wrong-field-count'
  | 'invalid-row'
  | 'unknown-label'
  | 'duplicate-id'
  | 'empty-text'
  | 'missing-text'
  | 'invalid-split'
  /** CSV: a quote opens in the row and is not closed on its line (the rows it would swallow are read as rows). */
  | 'unclosed-quote';

/** Why a row was left out by the data set's own rules (never an error). */
export type FilterReason =
  /** MSD: a whitespace token is one of the standard filter words (sarcasm, joke, `<url>`, …). */
  | 'filtered-word'
  /** MVSA: text positive and image negative, or the other way round. */
  | 'conflicting-labels'
  /** MVSA-Multiple: the three annotators gave three different labels for a modality. */
  | 'no-majority';

/** Why an image was replaced by a blank one. */
export type BlankReason = 'missing-image' | 'image-escapes-root';

/** Why a kept post is flagged (a warning; the post is kept as it is). */
export type FlagReason =
  /** The text held bytes that are not UTF-8; they were decoded as U+FFFD replacement characters, which the tokenizer sees. */
  'invalid-utf8';

/** One row a skip, blank or flag reason applied to (the full list behind the counts). */
export interface ProblemRow {
  /** `'skipped'`: dropped; `'blanked'`: kept with a blank image; `'flagged'`: kept, with a warning. */
  outcome: 'skipped' | 'blanked' | 'flagged';
  /** The reason. */
  reason: SkipReason | BlankReason | FlagReason;
  /** The post id (`row N` for a row without a readable id). */
  id: string;
  /** The file the row is in. */
  file: string;
  /** 1-based row (or line) in that file, when known. */
  row?: number;
  /** What was wrong and what to do (file, row, id included). */
  message: string;
}

/** How many rows one reason affected, and which. */
export interface ReasonCount {
  /** Number of rows. */
  count: number;
  /** The first 20 of their ids (rows without a readable id show as `row N`). */
  ids: string[];
  /** The full message of the first one (file, row, what to do). */
  message: string;
}

/** How the posts were assigned to splits. */
export interface SplitInfo {
  /**
   * `'official'`: the data set's own split files or column; `'seeded'`: {@link seededSplit}
   * with `seed`; `'file'`: the manifest's `split` column; `'mixed'`: manifest rows without a
   * split were split with `seed`, the others kept theirs.
   */
  method: 'official' | 'seeded' | 'file' | 'mixed';
  /** The seed, when any post was split with one. */
  seed?: number;
  /** The fractions of the seeded split. */
  fractions?: [number, number, number];
}

/** What a loader read and did, printable with {@link formatLoadReport}. */
export interface LoadReport {
  /** The data set's name. */
  dataset: DatasetName;
  /** The folder (or manifest file) that was read. */
  source: string;
  /** The folder images were looked up in (paper data sets) or the root they must stay inside. */
  imageDir: string;
  /** Rows (records) read; always `kept + Σ skipped + Σ filtered`. */
  read: number;
  /** Posts kept. */
  kept: number;
  /** Rows dropped as bad input, by reason. */
  skipped: Partial<Record<SkipReason, ReasonCount>>;
  /** Rows dropped by the data set's own rules, by reason. */
  filtered: Partial<Record<FilterReason, ReasonCount>>;
  /** Kept posts whose image was replaced by a blank one (`blankImage: true`), by reason. */
  blanked: Partial<Record<BlankReason, ReasonCount>>;
  /** Kept posts with a warning (e.g. text that was not valid UTF-8), by reason; each also in `warnings`. */
  flagged: Partial<Record<FlagReason, ReasonCount>>;
  /** Every skipped, blanked and flagged row with its reason and message, in the order they were met (the counts above keep only the first 20 ids). */
  problemRows: ProblemRow[];
  /** Kept posts without any image by design (manifest rows with an empty `image`). */
  textOnly: number;
  /** Posts per class in each split (`perSplit.train[c]`). */
  perSplit: Record<Split, number[]>;
  /** How the split was made. */
  split: SplitInfo;
  /** The seed of the seeded split, when one was drawn (recorded so the run can be repeated). */
  splitSeed?: number;
  /** Things worth knowing that dropped nothing (e.g. MSD hashtag labels that differ). */
  warnings: string[];
}

/** Error code a skip reason becomes under `strict: true`. */
export const SKIP_REASON_CODES: Readonly<Record<SkipReason, DatasetErrorCode>> = {
  'missing-image': 'BAD_IMAGE',
  'image-escapes-root': 'PATH_ESCAPES_ROOT',
  'wrong-field-count': 'INVALID_ROW',
  'invalid-row': 'INVALID_ROW',
  'unknown-label': 'UNKNOWN_LABEL',
  'duplicate-id': 'DUPLICATE_ID',
  'empty-text': 'EMPTY_TEXT',
  'missing-text': 'NOT_FOUND',
  'invalid-split': 'INVALID_ROW',
  'unclosed-quote': 'INVALID_FORMAT',
};

const ID_LIMIT = 20;

/** @internal Adds one row to a reason's count. */
export function countReason<R extends string>(table: Partial<Record<R, ReasonCount>>, reason: R, id: string, message: string): void {
  const entry = table[reason];
  if (entry === undefined) {
    table[reason] = { count: 1, ids: [id], message } as ReasonCount as Partial<Record<R, ReasonCount>>[R];
  } else {
    entry.count += 1;
    if (entry.ids.length < ID_LIMIT) entry.ids.push(id);
  }
}

function total(table: Partial<Record<string, ReasonCount>>): number {
  return Object.values(table).reduce((a, e) => a + (e?.count ?? 0), 0);
}

function reasonLines(title: string, table: Partial<Record<string, ReasonCount>>): string[] {
  const entries = Object.entries(table).filter((e): e is [string, ReasonCount] => e[1] !== undefined);
  if (entries.length === 0) return [];
  const lines = [`${title} ${total(table)}:`];
  for (const [reason, e] of entries) {
    const more = e.count > e.ids.length ? `, … ${e.count - e.ids.length} more` : '';
    lines.push(`  ${reason}: ${e.count} (${e.ids.join(', ')}${more})`);
    lines.push(`    first: ${e.message}`);
  }
  return lines;
}

/**
 * The report of {@link loadDataset} as readable text: what was read and kept, every skip,
 * filter and blank-image reason with its count, ids and first message, posts per class in each
 * split, how the split was made and any warnings.
 *
 * @param report - a load report
 * @param classes - class names for the per-split table (default: class indices)
 * @returns several lines of text, without a trailing newline
 *
 * @example
 * ```ts
 * const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmaux-doc-'));
 * fs.writeFileSync(path.join(dir, 'm.jsonl'), '{"id":"a","text":"hi","label":"pos","split":"train"}\n{"id":"a","text":"again","label":"pos","split":"test"}\n');
 * const { report, classes } = await loadDataset('manifest', path.join(dir, 'm.jsonl'));
 * const text = formatLoadReport(report, classes);
 * text.split('\n')[0].endsWith('read 2 rows, kept 1'); // true
 * text.includes('duplicate-id: 1 (a)'); // true
 * fs.rmSync(dir, { recursive: true });
 * ```
 */
export function formatLoadReport(report: LoadReport, classes?: readonly string[]): string {
  const lines = [`${report.dataset} ${report.source}: read ${report.read} rows, kept ${report.kept}`];
  lines.push(...reasonLines('skipped', report.skipped));
  lines.push(...reasonLines('filtered by the data set rules', report.filtered));
  lines.push(...reasonLines('kept with a blank image', report.blanked));
  if (report.textOnly > 0) lines.push(`text-only posts (no image): ${report.textOnly}`);
  const s = report.split;
  const how =
    s.method === 'official'
      ? 'official split'
      : s.method === 'file'
        ? "the manifest's split column"
        : `seeded stratified ${(s.fractions ?? [0.8, 0.1, 0.1]).map((f) => Math.round(f * 100)).join('/')} split, seed ${s.seed}${s.method === 'mixed' ? ' (rows without a split only)' : ''}`;
  lines.push(`split: ${how}`);
  const numClasses = report.perSplit.train.length;
  const names = Array.from({ length: numClasses }, (_, c) => classes?.[c] ?? String(c));
  for (const split of ['train', 'val', 'test'] as const) {
    const counts = report.perSplit[split];
    const sum = counts.reduce((a, b) => a + b, 0);
    lines.push(`  ${split.padEnd(5)} ${String(sum).padStart(7)}  ${counts.map((n, c) => `${names[c]}: ${n}`).join(', ')}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
