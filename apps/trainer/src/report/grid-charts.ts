import { PAPER_SETTINGS } from '@mmaux/metrics';
import type { TopLevelSpec } from 'vega-lite';
import type { GridRow } from '../run-files.js';

/** Rows of one data set and training size, in results order. */
export interface GridGroup {
  dataset: string;
  trainSize: number | null;
  rows: GridRow[];
}

/**
 * Groups results rows by (data set, training size), keeping the order of first appearance.
 *
 * @param rows - `GridResults.rows`
 * @returns one group per data set and training size
 */
export function groupRows(rows: readonly GridRow[]): GridGroup[] {
  const groups = new Map<string, GridGroup>();
  for (const row of rows) {
    const key = JSON.stringify([row.dataset, row.trainSize]);
    let group = groups.get(key);
    if (!group) {
      group = { dataset: row.dataset, trainSize: row.trainSize, rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
  }
  return [...groups.values()];
}

/** The heading of a group, as the grid's Markdown tables title it. */
export function groupTitle(group: Pick<GridGroup, 'dataset' | 'trainSize'>): string {
  return `${group.dataset}${group.trainSize === null ? '' : `, ${group.trainSize} training posts`}`;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Mean test macro-F1 per model (x) and setting (grouped bars) with ± std error bars, for one
 * data set and training size. Means and stds are fractions, as `GridRow.f1Macro` holds them.
 *
 * @param group - the rows of one data set and training size
 * @returns a Vega-Lite spec
 */
export function gridChartSpec(group: GridGroup): TopLevelSpec {
  const values = group.rows.flatMap((r) => {
    const { mean, std, n } = r.f1Macro;
    if (!finite(mean)) return [];
    const s = finite(std) ? std : 0;
    return [{ model: r.model, setting: r.setting, mean, lo: Math.max(0, mean - s), hi: Math.min(1, mean + s), n }];
  });
  const models = [...new Set(group.rows.map((r) => r.model))];
  // The paper's settings in the paper's order first, then any others as they appear.
  const present = new Set(group.rows.map((r) => r.setting as string));
  const settings = [...PAPER_SETTINGS.filter((s) => present.has(s)), ...[...present].filter((s) => !(PAPER_SETTINGS as readonly string[]).includes(s))];
  const x = { field: 'model', type: 'nominal', sort: models, title: 'model', axis: { labelAngle: 0, labelLimit: 200 } } as const;
  const xOffset = { field: 'setting', type: 'nominal', sort: settings } as const;
  return {
    title: `${groupTitle(group)}: test macro-F1 (mean ± std over seeds)`,
    width: { step: 28 },
    height: 260,
    data: { values },
    layer: [
      {
        mark: 'bar',
        encoding: {
          x,
          xOffset,
          y: { field: 'mean', type: 'quantitative', title: 'macro-F1', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
          color: { field: 'setting', type: 'nominal', title: 'setting', scale: { domain: settings } },
        },
      },
      {
        mark: { type: 'rule', color: '#1f2328', strokeWidth: 1.5 },
        encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
    ],
  };
}
