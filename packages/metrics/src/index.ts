/**
 * @packageDocumentation
 * Exact evaluation and experiment statistics for classifiers, in plain TypeScript with no runtime
 * dependency: accuracy, precision, recall and F1 (macro / weighted / micro / per class) and the
 * confusion matrix with scikit-learn's semantics (`zero_division=0`), multilabel scores, seed
 * aggregation (mean ± sample std), percentile bootstrap intervals, seeded paired significance
 * tests (paired bootstrap, approximate randomization), and the results table of Sánchez Villegas
 * et al. (Findings of EACL 2024) as Markdown and CSV.
 */
export { aggregateSeeds } from './aggregate-seeds.js';
export type { SeedSummary } from './aggregate-seeds.js';
export { approximateRandomizationTest } from './approximate-randomization-test.js';
export { bootstrapInterval } from './bootstrap-interval.js';
export type { BootstrapInterval, BootstrapOptions } from './bootstrap-interval.js';
export { classificationReport } from './classification-report.js';
export type {
  AveragedScore,
  ClassificationReport,
  ClassificationReportOptions,
  ClassScore,
} from './classification-report.js';
export { confusionMatrix } from './confusion-matrix.js';
export type { ConfusionMatrixOptions } from './confusion-matrix.js';
export { MmauxMetricsError } from './errors.js';
export type { MetricsErrorCode } from './errors.js';
export { formatResultsTable, PAPER_SETTINGS } from './format-results-table.js';
export type { PaperSetting, ResultRow, ResultsTable, ResultsTableOptions } from './format-results-table.js';
export { computeMetric, METRIC_NAMES } from './metric.js';
export type { Metric, MetricFunction, MetricName, MetricOptions } from './metric.js';
export { multilabelReport } from './multilabel-report.js';
export type {
  LabelScore,
  MultilabelAveragedScore,
  MultilabelReport,
  MultilabelReportOptions,
} from './multilabel-report.js';
export { pairedBootstrapTest } from './paired-bootstrap-test.js';
export { createRng } from './rng.js';
export type { RandomnessOptions, Rng } from './rng.js';
export type { AbsentClasses } from './scores.js';
export type { Alternative, SignificanceOptions, SignificanceResult } from './significance.js';
