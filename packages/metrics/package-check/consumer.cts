// Type-checked against the CommonJS declaration file (dist/index.d.cts).
import metrics = require('@mmaux/metrics');

const summary: metrics.SeedSummary = metrics.aggregateSeeds([0.6, 0.62]);
const multi: metrics.MultilabelReport = metrics.multilabelReport([[1, 0]], [[1, 1]]);
const cm: number[][] = metrics.confusionMatrix([0, 1], [1, 1], { numClasses: 2 });
// @ts-expect-error absentClasses is 'include' | 'exclude'
metrics.classificationReport([0], [0], { numClasses: 1, absentClasses: 'drop' });
export = { summary, multi, cm };
