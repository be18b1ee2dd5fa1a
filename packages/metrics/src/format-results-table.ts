import { aggregateSeeds } from './aggregate-seeds.js';
import { MmauxMetricsError } from './errors.js';
import { show } from './validate.js';

/**
 * The paper's four training settings, the default columns of {@link formatResultsTable}: the
 * base model, +ITC (`+C`), +ITM (`+M`), and both (`+C+M`).
 *
 * @example
 * ```ts
 * PAPER_SETTINGS; // ["base","+C","+M","+C+M"]
 * ```
 */
export const PAPER_SETTINGS = ['base', '+C', '+M', '+C+M'] as const;

/** One of {@link PAPER_SETTINGS}. */
export type PaperSetting = (typeof PAPER_SETTINGS)[number];

/** One cell of the results table: a model trained in one setting, scored once per seed. */
export interface ResultRow {
  /** Model name, one table row per distinct name (in order of first appearance). */
  model: string;
  /** Training setting, one table column per setting (see `columns`). */
  setting: PaperSetting | (string & {});
  /** The metric per seed, as fractions (0.654) unless `percent` is false. */
  seeds: readonly number[];
  /**
   * p-value of a paired test of this setting against the baseline setting of the same model
   * (e.g. {@link approximateRandomizationTest} with the seeds' pooled or per-seed predictions).
   * Ignored on the baseline cell itself.
   */
  pValueVsBase?: number;
}

/** Options of {@link formatResultsTable}. */
export interface ResultsTableOptions {
  /** What the numbers are, for the footnote, e.g. `'Macro-F1'`. */
  metric: string;
  /**
   * The setting the significance marks compare against; must be a column when given or when a
   * row carries `pValueVsBase`. @defaultValue 'base' (a table without that column and without
   * p-values, e.g. a study of `+C+M` alone, has no marks and says none in its footnote)
   */
  baseline?: string;
  /** The columns, in order. @defaultValue `['base', '+C', '+M', '+C+M']` */
  columns?: readonly string[];
  /** Decimals shown for mean and std. @defaultValue 1 */
  decimals?: 1 | 2;
  /** Values are fractions to show ×100 as percentages; false shows them as given. @defaultValue true */
  percent?: boolean;
  /** Significance level for the marker: a cell is marked when pValueVsBase < alpha. @defaultValue 0.05 */
  alpha?: number;
  /** The significance marker. @defaultValue '†' */
  marker?: string;
  /** Header of the first column. @defaultValue 'Model' */
  modelHeader?: string;
}

/** What {@link formatResultsTable} returns. */
export interface ResultsTable {
  /** A GitHub-flavoured Markdown table, best per row in bold, followed by a blank line and the footnote. */
  markdown: string;
  /** The same grid as CSV (RFC 4180, `\n` line ends): `mean ± std` cells with the marker, no bold and no footnote. */
  csv: string;
  /** The footnote line explaining the layout and the marker. */
  footnote: string;
}

interface Cell {
  text: string;
  rounded: number;
  significant: boolean;
}

/**
 * Formats per-seed results in the paper's layout: one row per model, one column per setting
 * (base / +C / +M / +C+M), each cell `mean ± std` over seeds (sample std, n − 1; see
 * {@link aggregateSeeds}), as percentages with 1 or 2 decimals. In each row the best cell (the
 * highest mean as displayed; all of them on a tie, and only when the row has two or more
 * cells) is bold in Markdown; a cell whose `pValueVsBase` is below `alpha` carries the marker.
 * A missing cell shows `–` in Markdown and stays empty in CSV.
 *
 * @param rows - one entry per (model, setting) pair
 * @param options - `metric` (required), `baseline` (`'base'`), `columns`, `decimals` (1),
 *   `percent` (true), `alpha` (0.05), `marker` (`'†'`), `modelHeader` (`'Model'`)
 * @returns `{ markdown, csv, footnote }`
 * @throws MmauxMetricsError `EMPTY_INPUT` (no rows, or a row without seeds), `NON_FINITE` (a seed
 *   value), `INVALID_OPTION` (unknown setting, duplicate cell, bad p-value or option)
 *
 * @example
 * ```ts
 * const t = formatResultsTable(
 *   [
 *     { model: 'Ber-ViT-Att', setting: 'base', seeds: [0.60, 0.62] },
 *     { model: 'Ber-ViT-Att', setting: '+C+M', seeds: [0.63, 0.65], pValueVsBase: 0.01 },
 *   ],
 *   { metric: 'Macro-F1', columns: ['base', '+C+M'] },
 * );
 * t.csv; // "Model,base,+C+M\nBer-ViT-Att,61.0 ± 1.4,64.0 ± 1.4†\n"
 * t.markdown.split('\n')[2]; // "| Ber-ViT-Att | 61.0 ± 1.4 | **64.0 ± 1.4**† |"
 * t.footnote; // "Macro-F1 (%), mean ± std over seeds; best per row in bold; † p < 0.05 against base (paired test)."
 * ```
 */
export function formatResultsTable(rows: readonly ResultRow[], options: ResultsTableOptions): ResultsTable {
  const fn = 'formatResultsTable';
  const o = checkOptions(fn, options, Array.isArray(rows) && rows.some((r) => r !== null && typeof r === 'object' && r.pValueVsBase !== undefined));
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new MmauxMetricsError('EMPTY_INPUT', `${fn}: rows is empty; pass one { model, setting, seeds } entry per model and setting.`);
  }
  const models: string[] = [];
  const cells = new Map<string, Map<string, Cell>>();
  rows.forEach((row, i) => {
    if (row === null || typeof row !== 'object' || typeof row.model !== 'string') {
      throw new MmauxMetricsError('INVALID_OPTION', `${fn}: rows[${i}] must be { model: string, setting, seeds: number[] }, got ${show(row)}.`);
    }
    if (!o.columns.includes(row.setting)) {
      throw new MmauxMetricsError(
        'INVALID_OPTION',
        `${fn}: rows[${i}].setting = ${show(row.setting)} is not one of the columns ${o.columns.map((c) => `'${c}'`).join(', ')}; fix the setting or pass options.columns.`,
      );
    }
    if (!Array.isArray(row.seeds) || row.seeds.length === 0) {
      throw new MmauxMetricsError('EMPTY_INPUT', `${fn}: rows[${i}].seeds (${row.model}, ${row.setting}) is empty; pass one metric value per seed.`);
    }
    let byModel = cells.get(row.model);
    if (!byModel) {
      byModel = new Map();
      cells.set(row.model, byModel);
      models.push(row.model);
    }
    if (byModel.has(row.setting)) {
      throw new MmauxMetricsError('INVALID_OPTION', `${fn}: rows[${i}] repeats model ${show(row.model)} with setting ${show(row.setting)}; give each cell once (all its seeds in one row).`);
    }
    const seeds = (row.seeds as readonly unknown[]).map((v: unknown, k: number) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new MmauxMetricsError('NON_FINITE', `${fn}: rows[${i}].seeds[${k}] = ${show(v)} is not a finite number; drop or fix that run.`);
      }
      return v * o.scale;
    });
    const { mean, std } = aggregateSeeds(seeds);
    let significant = false;
    if (row.pValueVsBase !== undefined && row.setting !== o.baseline) {
      const pv = row.pValueVsBase;
      if (typeof pv !== 'number' || !(pv >= 0 && pv <= 1)) {
        throw new MmauxMetricsError('INVALID_OPTION', `${fn}: rows[${i}].pValueVsBase = ${show(pv)} is not a p-value in [0, 1].`);
      }
      significant = pv < o.alpha;
    }
    const meanText = fixed(mean, o.decimals);
    byModel.set(row.setting, {
      text: `${meanText} ± ${fixed(std, o.decimals)}`,
      rounded: Number(meanText),
      significant,
    });
  });

  const header = [o.modelHeader, ...o.columns];
  const md: string[] = [
    `| ${header.map(escapeMarkdown).join(' | ')} |`,
    `| --- |${o.columns.map(() => ' ---: |').join('')}`,
  ];
  const csv: string[] = [header.map(escapeCsv).join(',')];
  for (const model of models) {
    const byModel = cells.get(model) as Map<string, Cell>;
    let best = -Infinity;
    for (const cell of byModel.values()) best = Math.max(best, cell.rounded);
    const bold = byModel.size > 1;
    const mdCells: string[] = [];
    const csvCells: string[] = [];
    for (const col of o.columns) {
      const cell = byModel.get(col);
      if (!cell) {
        mdCells.push('–');
        csvCells.push('');
        continue;
      }
      const mark = cell.significant ? o.marker : '';
      mdCells.push(`${bold && cell.rounded === best ? `**${cell.text}**` : cell.text}${escapeMarkdown(mark)}`);
      csvCells.push(escapeCsv(cell.text + mark));
    }
    md.push(`| ${escapeMarkdown(model)} | ${mdCells.join(' | ')} |`);
    csv.push([escapeCsv(model), ...csvCells].join(','));
  }
  const unit = o.scale === 100 ? ' (%)' : '';
  const marks = o.baseline === null ? '' : `; ${o.marker} p < ${o.alpha} against ${o.baseline} (paired test)`;
  const footnote = `${o.metric}${unit}, mean ± std over seeds; best per row in bold${marks}.`;
  return { markdown: `${md.join('\n')}\n\n${footnote}\n`, csv: `${csv.join('\n')}\n`, footnote };
}

function checkOptions(fn: string, options: ResultsTableOptions, hasPValues: boolean) {
  if (options === null || typeof options !== 'object' || typeof options.metric !== 'string') {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.metric (e.g. 'Macro-F1') is required.`);
  }
  const columns = options.columns ?? PAPER_SETTINGS;
  if (!Array.isArray(columns) || columns.length === 0 || new Set(columns).size !== columns.length) {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.columns must be a non-empty list of distinct settings, got ${show(columns)}.`);
  }
  const baseline = options.baseline ?? 'base';
  const needsBaseline = options.baseline !== undefined || hasPValues;
  if (!columns.includes(baseline) && needsBaseline) {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.baseline = ${show(baseline)} is not one of the columns ${show([...columns])}.`);
  }
  const decimals = options.decimals ?? 1;
  if (decimals !== 1 && decimals !== 2) {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.decimals must be 1 or 2, got ${show(decimals)}.`);
  }
  const alpha = options.alpha ?? 0.05;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha < 1)) {
    throw new MmauxMetricsError('INVALID_OPTION', `${fn}: options.alpha must be in (0, 1), got ${show(alpha)}.`);
  }
  return {
    metric: options.metric,
    columns: columns as readonly string[],
    baseline: columns.includes(baseline) ? baseline : null,
    decimals,
    scale: options.percent === false ? 1 : 100,
    alpha,
    marker: options.marker ?? '†',
    modelHeader: options.modelHeader ?? 'Model',
  };
}

/** toFixed without a "-0.0". */
function fixed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return Number(s) === 0 ? (0).toFixed(decimals) : s;
}

function escapeMarkdown(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function escapeCsv(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
