import type { SkippedPost } from './skips.js';

// The files a run directory and a grid directory hold: what `train` writes, what `eval`,
// `predict`, `grid` and `report` read. Plain JSON / JSONL / CSV so other tools can read them.

/** File names inside a run directory. */
export const RUN_FILES = {
  /** {@link ResolvedConfig}: every setting the run used, defaults filled in. */
  config: 'config.json',
  /** {@link RunEnvironment}. */
  environment: 'environment.json',
  /** The data set's load report (`@mmaux/datasets` LoadReport) and the classes. */
  data: 'data.json',
  /** One {@link EpochRecord} per line, in epoch order. */
  metrics: 'metrics.jsonl',
  /** {@link RunResult}, written when the run is complete. */
  result: 'result.json',
  /** `id,label,prediction,p_<class>…` for the test split at the best epoch. */
  testPredictions: 'predictions-test.csv',
  /** The same for the validation split. */
  valPredictions: 'predictions-val.csv',
  /** The best epoch's model (`@mmaux/fusion` save format). */
  bestModel: 'best-model',
  /** The last completed epoch's state, for `--resume`. */
  checkpoint: 'checkpoint',
  /** The self-contained HTML report. */
  report: 'report.html',
} as const;

/** File names inside a grid directory. */
export const GRID_FILES = {
  /** The resolved grid configuration. */
  config: 'grid.json',
  /** Run directories: `runs/<dataset>/<model>/<setting>/[n<size>-]seed<seed>/`. */
  runs: 'runs',
  /** {@link GridResults}. */
  results: 'results.json',
  /** The results tables (macro- and weighted-F1) as Markdown. */
  markdown: 'results.md',
  /** The results as CSV (one table after the other, macro then weighted F1). */
  csv: 'results.csv',
  /** The self-contained HTML report. */
  report: 'report.html',
  /** `{ token }` of the study's last enqueueing (`grid --queue`): a worker checks its jobs carry it. */
  queue: 'queue.json',
} as const;

/** The four settings of the paper's study. */
export type Setting = 'base' | '+C' | '+M' | '+C+M';

/** What a run's `environment.json` records. */
export interface RunEnvironment {
  /** The tfjs backend that ran (`wasm`, `cpu`, `tensorflow`, …) and why it was chosen. */
  backend: string;
  backendReason: string;
  /** Threads the backend computed with (wasm: `tf.wasm.getThreadsCount()`, cpu: 1; null for native TensorFlow), and the count asked for. Absent in runs before `--threads`. */
  threads?: number | null;
  requestedThreads?: number;
  node: string;
  platform: string;
  /** Package versions: `@mmaux/*`, `@tensorflow/tfjs`, … */
  versions: Record<string, string>;
}

/** Scores of one split at one epoch. */
export interface SplitScores {
  loss: number;
  accuracy: number;
  f1Macro: number;
  f1Weighted: number;
}

/** One line of `metrics.jsonl`. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Means over the epoch's training steps; `itc`/`itm`/`retrievalTop1`/`itmAccuracy` null when off. */
  train: {
    loss: number;
    ce: number;
    itc: number | null;
    itm: number | null;
    accuracy: number;
    retrievalTop1: number | null;
    itmAccuracy: number | null;
  };
  val: SplitScores;
  /** Learning rate at the epoch's last step. */
  learningRate: number;
  /** Whether this epoch is the best so far by validation macro-F1. */
  best: boolean;
  /** Wall time of the epoch in seconds (training and validation). */
  seconds: number;
}

/** Per-class scores as `@mmaux/metrics` reports them. */
export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** A classification report of one split, reduced to what reports show. */
export interface SplitReport {
  accuracy: number;
  f1Macro: number;
  f1Weighted: number;
  precisionMacro: number;
  recallMacro: number;
  perClass: ClassScores[];
  /** Rows = true class, columns = predicted class. */
  confusion: number[][];
}

/** `result.json`: the run's outcome at its best epoch. */
export interface RunResult {
  /** Data set name (`tir`, …, `manifest`, `synthetic-relation`, …). */
  dataset: string;
  /** Fusion kind. */
  model: string;
  setting: Setting;
  seed: number;
  /** Training posts used (after `--train-size`). */
  trainSize: number;
  classes: string[];
  /** 1-based epoch with the best validation macro-F1. */
  bestEpoch: number;
  epochs: number;
  val: SplitReport;
  test: SplitReport;
  /** Seconds spent on feature extraction (0 when everything came from the cache) and training. */
  seconds: { extraction: number; training: number };
}

/** One row of a grid's results (also the `rows` of `mmaux demo --json`). */
export interface GridRow {
  dataset: string;
  model: string;
  setting: Setting;
  /** Training posts per run, or null for the full training split. */
  trainSize: number | null;
  f1Macro: { mean: number; std: number; n: number };
  f1Weighted: { mean: number; std: number; n: number };
  /**
   * One-sided p-value of the paired test "this setting's macro-F1 is higher than base's" on the
   * test predictions of all seeds together; null for `base` itself or when base is missing.
   */
  pValueVsBase: number | null;
  /** The run directories, relative to the grid directory, one per seed. */
  runs: string[];
}

/** `results.json` of a grid (and the JSON of `mmaux demo --json`). */
export interface GridResults {
  rows: GridRow[];
  /** The paired test used and its settings. */
  significance: { test: 'approximate-randomization'; samples: number; alpha: number; seed: number };
  /** Markdown tables: macro-F1 and weighted-F1, one per (dataset, training size). */
  markdown: string;
  /** Per data set, every post its runs left out or blanked, with the reason (from the runs' `data.json`); absent when none. */
  skipped?: Record<string, SkippedPost[]>;
}
