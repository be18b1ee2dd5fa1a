// Type-checked against the ESM declaration file (dist/index.d.ts).
import {
  bootstrapInterval,
  type ClassificationReport,
  classificationReport,
  createRng,
  formatResultsTable,
  type MetricName,
  type ResultsTable,
  type SignificanceResult,
  pairedBootstrapTest,
} from '@mmaux/metrics';

const report: ClassificationReport = classificationReport([0, 1], [0, 1], { numClasses: 2, absentClasses: 'exclude' });
const metric: MetricName = 'f1Weighted';
const test: SignificanceResult = pairedBootstrapTest([0, 1], [0, 1], [1, 1], metric, { rng: createRng(1), alternative: 'greater' });
const interval: [number, number] = bootstrapInterval([0, 1], [0, 1], (y, p) => y.length + p.length, { seed: 1 }).interval;
const table: ResultsTable = formatResultsTable([{ model: 'm', setting: '+C+M', seeds: [0.5] }], { metric: 'F1', decimals: 2 });
// @ts-expect-error alternative is a closed union
pairedBootstrapTest([0], [0], [0], 'accuracy', { seed: 1, alternative: 'bigger' });
// @ts-expect-error metric names are a closed union
bootstrapInterval([0], [0], 'f1', { seed: 1 });
export { report, test, interval, table };
