// What a run leaves out or changes, wherever it was found — reading the data set (its load
// report), reading predict's input, decoding images at extraction — as one list (data.json,
// --json) and one summary line per reason (stderr); and the check that every class has a
// training post.
import type { LoadReport, Post } from '@mmaux/datasets';
import { type ExtractBadImage, MmauxEncoderError } from '@mmaux/encoders';
import { MmauxTrainerError } from './errors.js';
import type { Log } from './progress.js';

/** One post left out of a run (`skipped`) or kept with a blank image (`blanked`). */
export interface SkippedPost {
  /** Where it was found: loading the data set, reading predict's `--input`, or decoding its image at extraction. */
  stage: 'load' | 'input' | 'extract';
  outcome: 'skipped' | 'blanked';
  /** e.g. `missing-image`, `image-escapes-root`, `unclosed-quote`, `duplicate-id`, `corrupt-image`, `oversized-image`. */
  reason: string;
  /** The post id (`row N` for a row without one). */
  id: string;
  /** The data file and row, when it was found there. */
  file?: string;
  row?: number;
  /** The image file, when the image was the problem and its path was usable. */
  path?: string;
  /** What was wrong and what to do. */
  message: string;
}

/** The skipped and blanked rows of a load report (kept posts with a warning are not skips). */
export function loadSkips(report: Pick<LoadReport, 'problemRows'>): SkippedPost[] {
  return (report.problemRows ?? [])
    .filter((r) => r.outcome !== 'flagged')
    .map((r) => ({ stage: 'load' as const, outcome: r.outcome as SkippedPost['outcome'], reason: r.reason, id: r.id, file: r.file, ...(r.row === undefined ? {} : { row: r.row }), message: r.message }));
}

/** Bad images found at extraction, as skips (`corrupt-image`, `oversized-image`, `missing-image`). */
export function extractSkips(bad: readonly ExtractBadImage[]): SkippedPost[] {
  return bad.map((b) => ({ stage: 'extract' as const, outcome: b.action, reason: `${b.problem}-image`, id: b.id, path: b.path, message: b.message }));
}

/** Posts of `posts` whose image extraction skipped (not the blanked ones). */
export function withoutSkippedImages<T extends { id: string }>(posts: readonly T[], bad: readonly ExtractBadImage[]): T[] {
  const gone = new Set(bad.filter((b) => b.action === 'skipped').map((b) => b.id));
  return gone.size === 0 ? [...posts] : posts.filter((p) => !gone.has(p.id));
}

const SHOWN_IDS = 5;

/**
 * One line per outcome and reason, in the order first met, with the first ids:
 * `corrupt-image: 2 posts skipped (p3, p7)`; kept posts with a warning (invalid UTF-8) too.
 */
export function skipSummaryLines(skips: readonly SkippedPost[], flagged: LoadReport['flagged'] = {}): string[] {
  const groups = new Map<string, SkippedPost[]>();
  for (const s of skips) {
    const key = `${s.outcome}\u0000${s.reason}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  const ids = (list: readonly string[], count: number) => `${list.slice(0, SHOWN_IDS).join(', ')}${count > SHOWN_IDS ? `, … ${count - SHOWN_IDS} more` : ''}`;
  const lines = [...groups.values()].map((g) => {
    const n = g.length;
    const what = g[0]!.outcome === 'skipped' ? 'skipped' : 'kept with a blank image';
    return `${g[0]!.reason}: ${n} post${n === 1 ? '' : 's'} ${what} (${ids(g.map((s) => s.id), n)})`;
  });
  for (const [reason, entry] of Object.entries(flagged)) {
    if (entry) lines.push(`${reason}: ${entry.count} post${entry.count === 1 ? '' : 's'} kept with a warning (${ids(entry.ids, entry.count)})`);
  }
  return lines;
}

/** Prints {@link skipSummaryLines} as warnings on stderr, the last skip line saying where the full list is. */
export function logSkipSummary(log: Log, skips: readonly SkippedPost[], flagged: LoadReport['flagged'] | undefined, fullList: string): void {
  const lines = skipSummaryLines(skips, flagged);
  const groups = lines.length - Object.values(flagged ?? {}).filter(Boolean).length;
  lines.forEach((line, i) => log.warn(i === groups - 1 ? `${line}; every post with its reason in ${fullList}` : line));
}

/**
 * A class without a training post cannot be learnt (and its balanced weight is 0): an error
 * naming it, or with `allow` a warning naming it.
 */
export function checkTrainingClasses(train: readonly Pick<Post, 'label'>[], others: readonly Pick<Post, 'label'>[], classes: readonly string[], allow: boolean, log: Log, dataset: string): void {
  const seen = new Set(train.map((p) => p.label));
  const empty = classes.map((name, c) => ({ name, c })).filter(({ c }) => !seen.has(c));
  if (empty.length === 0) return;
  const elsewhere = (c: number) => others.filter((p) => p.label === c).length;
  const named = empty.map(({ name, c }) => `"${name}" (${elsewhere(c)} in val/test)`).join(', ');
  const what = `${dataset}: class${empty.length > 1 ? 'es' : ''} ${named} ${empty.length > 1 ? 'have' : 'has'} no training post`;
  if (!allow) {
    throw new MmauxTrainerError(
      'BAD_INPUT',
      `${what}, so the model can never predict ${empty.length > 1 ? 'them' : 'it'}; move some of ${empty.length > 1 ? 'their' : 'its'} posts to train, drop the class, or pass --allow-empty-classes to train anyway.`,
    );
  }
  log.warn(`${what} (--allow-empty-classes: training anyway; ${empty.length > 1 ? 'they get' : 'it gets'} class weight 0 and cannot be predicted).`);
}

/**
 * Extraction under `--strict` stopped at a bad image: the same facts (post, file, reason) in
 * the trainer's words.
 */
export function strictImageError(err: unknown): unknown {
  if (!(err instanceof MmauxEncoderError) || err.code !== 'BAD_IMAGE') return err;
  const fact = err.message.replace(/^extractFeatures: /, '').replace(/ \(posts\[\d+\]\)/, '').replace(/ \(onBadImage: 'error'[\s\S]*$/, '');
  return new MmauxTrainerError(
    'BAD_INPUT',
    `${fact} --strict stops at the first image that cannot be used; without it such posts are skipped and listed (--on-bad-image blank keeps them with a blank image).`,
    { cause: err },
  );
}
