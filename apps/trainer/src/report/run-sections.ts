import type { EpochRecord, RunEnvironment, SplitReport } from '../run-files.js';
import { escapeHtml, formatCount, formatNumber, formatScore, htmlTable, jsonDetails, MISSING, type Cell } from './html.js';
import { isObject } from '../read-files.js';
import type { RunDataFile } from './run-data.js';

// The HTML tables and lists of the run report (the plots are in run-charts.ts).

const text = (s: string): Cell => ({ html: escapeHtml(s) });
const num = (html: string): Cell => ({ html, numeric: true });

/**
 * A definition list of facts.
 *
 * @param items - label and formatted value pairs (both escaped here)
 * @returns a `<dl class="summary">` element
 */
export function summaryList(items: readonly [string, string][]): string {
  return `<dl class="summary">\n${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>`;
}

/**
 * One row per epoch: losses, scores, learning rate and time, the best epoch starred.
 *
 * @param epochs - the records of `metrics.jsonl`
 * @param bestEpoch - the epoch to star, if known
 * @returns a table
 */
export function epochTable(epochs: readonly EpochRecord[], bestEpoch: number | undefined): string {
  const header = ['epoch', 'train loss', 'val loss', 'train acc. %', 'val acc. %', 'val macro-F1 %', 'val weighted-F1 %', 'learning rate', 'seconds', 'best'];
  const rows = epochs.map((e) => [
    num(formatCount(e.epoch)),
    num(formatNumber(e.train?.loss)),
    num(formatNumber(e.val?.loss)),
    num(formatScore(e.train?.accuracy)),
    num(formatScore(e.val?.accuracy)),
    num(formatScore(e.val?.f1Macro)),
    num(formatScore(e.val?.f1Weighted)),
    num(typeof e.learningRate === 'number' && Number.isFinite(e.learningRate) ? escapeHtml(e.learningRate.toExponential(2)) : MISSING),
    num(formatNumber(e.seconds, 1)),
    text(e.epoch === bestEpoch ? '★' : ''),
  ]);
  return htmlTable(header.map((h, i) => (i === header.length - 1 ? text(h) : num(escapeHtml(h)))), rows);
}

/**
 * Per-class precision, recall, F1 (as %) and support, one row per class.
 *
 * @param classes - class names in index order
 * @param report - the split's report
 * @returns a table
 */
export function perClassTable(classes: readonly string[], report: SplitReport): string {
  const rows = classes.map((name, i) => {
    const s = report.perClass[i];
    return [text(name), num(formatScore(s?.precision)), num(formatScore(s?.recall)), num(formatScore(s?.f1)), num(formatCount(s?.support))];
  });
  const header = [text('class'), num('precision %'), num('recall %'), num('F1 %'), num('support')];
  return htmlTable(header, rows, 'data per-class');
}

/**
 * The confusion matrix as a plain table too, so the counts can be copied and searched.
 *
 * @param classes - class names in index order
 * @param confusion - rows = true class, columns = predicted class
 * @returns a table
 */
export function confusionTable(classes: readonly string[], confusion: SplitReport['confusion']): string {
  const header = [text('true \\ predicted'), ...classes.map((c) => num(escapeHtml(c)))];
  const rows = classes.map((name, i) => [text(name), ...classes.map((_, j) => num(formatCount(confusion[i]?.[j])))]);
  return htmlTable(header, rows, 'data confusion');
}

/**
 * The data section: read/kept counts, posts per class in each split (from `report.perSplit`)
 * with totals, the loader's warnings, and the whole load report as collapsible JSON.
 *
 * @param data - the run's `data.json`
 * @returns HTML
 */
export function dataSection(data: RunDataFile): string {
  const parts: string[] = [];
  const { report, classes } = data;
  const facts: [string, string][] = [];
  if (typeof report.dataset === 'string') facts.push(['data set', report.dataset]);
  if (typeof report.read === 'number') facts.push(['rows read', formatCount(report.read)]);
  if (typeof report.kept === 'number') facts.push(['posts kept', formatCount(report.kept)]);
  if (data.trainSize !== undefined) facts.push(['training posts used', formatCount(data.trainSize)]);
  facts.push(['classes', String(classes.length)]);
  parts.push(summaryList(facts));
  const perSplit = report.perSplit;
  if (isObject(perSplit)) {
    const splits = (['train', 'val', 'test'] as const).filter((s) => Array.isArray(perSplit[s]));
    const counts = (s: string, i: number): unknown => (perSplit[s] as unknown[])[i];
    const total = (values: unknown[]): string =>
      values.every((v) => typeof v === 'number' && Number.isFinite(v)) ? formatCount(values.reduce<number>((a, v) => a + (v as number), 0)) : MISSING;
    const rows = classes.map((name, i) => {
      const own = splits.map((s) => counts(s, i));
      return [text(name), ...own.map((v) => num(formatCount(v))), num(total(own))];
    });
    const columnTotals = splits.map((s) => total(classes.map((_, i) => counts(s, i))));
    const all = total(splits.flatMap((s) => classes.map((_, i) => counts(s, i))));
    rows.push([{ html: '<strong>total</strong>' }, ...columnTotals.map(num), num(all)]);
    parts.push(htmlTable([text('class'), ...splits.map((s) => num(s)), num('total')], rows, 'data per-split'));
  }
  if (data.skipped !== undefined && data.skipped.length > 0) parts.push(skippedTable(data.skipped));
  if (Array.isArray(report.warnings) && report.warnings.length > 0) {
    parts.push(`<ul class="warnings">\n${report.warnings.map((w) => `<li>${escapeHtml(String(w))}</li>`).join('\n')}\n</ul>`);
  }
  parts.push(jsonDetails('Load report (data.json)', report));
  return parts.join('\n');
}

/**
 * Every post the run left out (skipped) or kept with a blank image, with where it was found,
 * why, and the message naming the file and what to do.
 *
 * @param skipped - `data.json`'s `skipped`
 * @returns a heading and a table
 */
export function skippedTable(skipped: readonly Record<string, unknown>[]): string {
  const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : MISSING);
  const left = skipped.filter((s) => s.outcome === 'skipped').length;
  const title = `<h3>Posts left out (${left}) or kept with a blank image (${skipped.length - left})</h3>`;
  const rows = skipped.map((s) => [text(str(s.id)), text(str(s.outcome)), text(str(s.reason)), text(str(s.stage)), text(str(s.message))]);
  return `${title}\n${htmlTable([text('post'), text('outcome'), text('reason'), text('found at'), text('message')], rows, 'data skipped')}`;
}

/**
 * The environment section: backend and why, Node.js, platform, and package versions.
 *
 * @param env - the run's `environment.json`
 * @returns HTML
 */
export function environmentSection(env: RunEnvironment): string {
  const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? MISSING : JSON.stringify(v));
  const facts = summaryList([
    ['backend', str(env.backend)],
    ['why this backend', str(env.backendReason)],
    ['Node.js', str(env.node)],
    ['platform', str(env.platform)],
  ]);
  const versions = isObject(env.versions) ? Object.entries(env.versions) : [];
  if (versions.length === 0) return facts;
  // Sorted so the page does not depend on the order the writer listed packages in.
  versions.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${facts}\n${htmlTable([text('package'), text('version')], versions.map(([p, v]) => [text(p), text(str(v))]))}`;
}
