/**
 * @packageDocumentation
 * Multimodal social media data sets as users download them: loaders for TIR, MVSA-Single and
 * -Multiple, MHP, MSD and MICD in their native formats, a generic manifest (CSV or JSONL) for
 * anyone's own data, seeded stratified splits, the tweet normaliser of the paper's code, one
 * sharp image pipeline (decode, EXIF, RGB, resize/crop/normalise recipes) and synthetic posts
 * whose labels need both modalities.
 */
export { MmauxDatasetError } from './errors.js';
export type { DatasetErrorCode, DatasetErrorLocation } from './errors.js';
// Image pipeline and synthetic posts: explicit export lists live in their folders' barrels.
export * from './image/index.js';
export * from './synthetic/index.js';
// Loaders, manifest, splits and text preprocessing: listed below.
export { DATASET_CLASSES, DATASET_NAMES } from './dataset-classes.js';
export { parseCsv, readCsvRecords } from './formats/csv.js';
export type { CsvOptions, CsvRecord, UnclosedQuote } from './formats/csv.js';
export { createImagePathResolver } from './image-paths.js';
export type { ImageLookup, ImagePathResolverOptions } from './image-paths.js';
export { parsePythonLiteral } from './formats/python-literal.js';
export type { PythonValue } from './formats/python-literal.js';
export { loadDataset } from './load-dataset.js';
export { MSD_FILTER_WORDS } from './loaders/msd.js';
export { formatLoadReport } from './report.js';
export type { BlankReason, FilterReason, FlagReason, LoadReport, ProblemRow, ReasonCount, SkipReason, SplitInfo } from './report.js';
export { deriveSeed } from './rng.js';
export { seededSplit, splitSizes } from './seeded-split.js';
export type { SeededSplitOptions, SplitFractions, SplitSizes } from './seeded-split.js';
export { normalizeTweet, tokenizeTweet } from './text/tweet-normalizer.js';
export type { BadImagePolicy, DatasetName, LoadDatasetOptions, LoadedDataset, Post, Split } from './types.js';
export { checkDataset, validateImages } from './validate-images.js';
export type { DatasetCheck, ImageIssue, ImageValidation, ValidateImagesOptions } from './validate-images.js';
