import type { TopLevelSpec } from 'vega-lite';
import type { EpochRecord, SplitReport } from '../run-files.js';

// Vega-Lite specs of the run report's plots. Data is inline and colour domains are explicit, so
// the same run always gives the same chart (and the same series colours across runs).

type Point = { epoch: number; series: string; value: number };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Long-format points of the series that have at least one finite value, in `series` order. */
function points(epochs: readonly EpochRecord[], series: readonly [string, (e: EpochRecord) => unknown][]): { data: Point[]; domain: string[] } {
  const data: Point[] = [];
  const domain: string[] = [];
  for (const [name, get] of series) {
    const own = epochs.flatMap((e) => {
      const v = get(e);
      return finite(e.epoch) && finite(v) ? [{ epoch: e.epoch, series: name, value: v }] : [];
    });
    if (own.length > 0) domain.push(name);
    data.push(...own);
  }
  return { data, domain };
}

/** A dashed vertical rule with a "best" label at `bestEpoch`, or nothing. */
function bestEpochLayers(bestEpoch: number | undefined) {
  if (bestEpoch === undefined) return [];
  return [
    {
      data: { values: [{ epoch: bestEpoch, label: `best epoch ${bestEpoch}` }] },
      mark: { type: 'rule' as const, strokeDash: [4, 4], color: '#59636e' },
      encoding: { x: { field: 'epoch', type: 'quantitative' as const } },
    },
    {
      data: { values: [{ epoch: bestEpoch, label: `best epoch ${bestEpoch}` }] },
      mark: { type: 'text' as const, align: 'left' as const, baseline: 'top' as const, dx: 4, y: 4, color: '#59636e' },
      encoding: { x: { field: 'epoch', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } },
    },
  ];
}

function curveSpec(title: string, yTitle: string, data: Point[], domain: string[], bestEpoch: number | undefined, percent: boolean): TopLevelSpec {
  return {
    title,
    width: 520,
    height: 260,
    layer: [
      {
        data: { values: data },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
          y: {
            field: 'value',
            type: 'quantitative',
            title: yTitle,
            ...(percent ? { scale: { domain: [0, 1] }, axis: { format: '.0%' } } : {}),
          },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain } },
        },
      },
      ...bestEpochLayers(bestEpoch),
    ],
  };
}

/**
 * Loss curves per epoch: train loss, train CE, ITC and ITM (when the run used them) and val loss.
 *
 * @param epochs - the run's epoch records
 * @param bestEpoch - the epoch to mark, if known
 * @returns a Vega-Lite spec
 */
export function lossChartSpec(epochs: readonly EpochRecord[], bestEpoch: number | undefined): TopLevelSpec {
  const { data, domain } = points(epochs, [
    ['train loss', (e) => e.train.loss],
    ['train CE', (e) => e.train.ce],
    ['train ITC', (e) => e.train.itc],
    ['train ITM', (e) => e.train.itm],
    ['val loss', (e) => e.val.loss],
  ]);
  return curveSpec('Loss per epoch', 'loss', data, domain, bestEpoch, false);
}

/**
 * Score curves per epoch: val macro-F1, val weighted-F1, val accuracy and train accuracy.
 *
 * @param epochs - the run's epoch records
 * @param bestEpoch - the epoch to mark, if known
 * @returns a Vega-Lite spec
 */
export function scoreChartSpec(epochs: readonly EpochRecord[], bestEpoch: number | undefined): TopLevelSpec {
  const { data, domain } = points(epochs, [
    ['val macro-F1', (e) => e.val.f1Macro],
    ['val weighted-F1', (e) => e.val.f1Weighted],
    ['val accuracy', (e) => e.val.accuracy],
    ['train accuracy', (e) => e.train.accuracy],
  ]);
  return curveSpec('F1 and accuracy per epoch', 'score', data, domain, bestEpoch, true);
}

/**
 * A confusion matrix heatmap: true class on y, predicted class on x, counts as text.
 *
 * @param title - chart title, e.g. `Test confusion matrix`
 * @param classes - class names in index order
 * @param confusion - rows = true class, columns = predicted class
 * @returns a Vega-Lite spec
 */
export function confusionChartSpec(title: string, classes: readonly string[], confusion: SplitReport['confusion']): TopLevelSpec {
  const values = classes.flatMap((t, i) =>
    classes.map((p, j) => {
      const count = confusion[i]?.[j];
      return { true: t, predicted: p, count: finite(count) ? count : 0, label: finite(count) ? String(count) : '–' };
    }),
  );
  const half = Math.max(0, ...values.map((v) => v.count)) / 2;
  const order = [...classes];
  const x = { field: 'predicted', type: 'nominal', sort: order, title: 'predicted class', axis: { labelAngle: -30, labelLimit: 160 } } as const;
  const y = { field: 'true', type: 'nominal', sort: order, title: 'true class', axis: { labelLimit: 160 } } as const;
  return {
    title,
    width: { step: 48 },
    height: { step: 36 },
    data: { values },
    layer: [
      {
        mark: 'rect',
        encoding: { x, y, color: { field: 'count', type: 'quantitative', title: 'posts', scale: { scheme: 'blues' } } },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          x,
          y,
          text: { field: 'label', type: 'nominal' },
          color: { condition: { test: `datum.count > ${half}`, value: 'white' }, value: '#1f2328' },
        },
      },
    ],
  };
}

/**
 * Per-class precision, recall and F1 as grouped bars.
 *
 * @param title - chart title
 * @param classes - class names in index order
 * @param report - the split's report (its `perClass`)
 * @returns a Vega-Lite spec
 */
export function perClassChartSpec(title: string, classes: readonly string[], report: SplitReport): TopLevelSpec {
  const metrics = ['precision', 'recall', 'F1'];
  const values = classes.flatMap((name, i) => {
    const s = report.perClass[i];
    return [s?.precision, s?.recall, s?.f1].flatMap((v, k) => (finite(v) ? [{ class: name, metric: metrics[k]!, value: v }] : []));
  });
  return {
    title,
    width: { step: 24 },
    height: 240,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'class', type: 'nominal', sort: [...classes], title: null, axis: { labelAngle: -30, labelLimit: 160 } },
      xOffset: { field: 'metric', type: 'nominal', sort: metrics },
      y: { field: 'value', type: 'quantitative', title: 'score', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: { field: 'metric', type: 'nominal', title: null, scale: { domain: metrics } },
    },
  };
}
