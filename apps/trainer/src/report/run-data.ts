import { join } from 'node:path';
import { RUN_FILES, type EpochRecord, type RunEnvironment, type RunResult, type SplitReport } from '../run-files.js';
import { badRunDir, isObject, readJsonLines, readJsonObject, readOptionalJsonObject, type JsonObject } from '../read-files.js';

/** `data.json` of a run: the classes and the data set's load report. */
export interface RunDataFile {
  classes: string[];
  /** `@mmaux/datasets` LoadReport; only `perSplit` is read field by field. */
  report: JsonObject;
  /** Training posts used after `--train-size`, when recorded. */
  trainSize?: number;
  /** Every post the run left out or blanked (`SkippedPost`s), when recorded. */
  skipped?: JsonObject[];
}

/** Everything a run directory holds that the report shows; absent optional files are undefined. */
export interface RunFiles {
  dir: string;
  config: JsonObject;
  environment: RunEnvironment | undefined;
  data: RunDataFile | undefined;
  /** In file order. Numbers may be null where the run wrote NaN (JSON has no NaN). */
  epochs: EpochRecord[];
  /** Undefined while the run is incomplete. */
  result: RunResult | undefined;
}

const FN = 'renderRunReport';

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function checkEnvironment(file: string, value: JsonObject): RunEnvironment {
  if (value.versions !== undefined && !isObject(value.versions)) throw badRunDir(FN, file, '"versions" must be an object of package → version');
  return value as unknown as RunEnvironment;
}

function checkData(file: string, value: JsonObject): RunDataFile {
  if (!isStringArray(value.classes)) throw badRunDir(FN, file, '"classes" must be an array of class names');
  if (!isObject(value.report)) throw badRunDir(FN, file, '"report" must be an object (the data set\'s load report)');
  const out: RunDataFile = { classes: value.classes, report: value.report };
  if (typeof value.trainSize === 'number') out.trainSize = value.trainSize;
  if (value.skipped !== undefined) {
    if (!Array.isArray(value.skipped) || !value.skipped.every(isObject)) throw badRunDir(FN, file, '"skipped" must be an array of { stage, outcome, reason, id, message } objects');
    out.skipped = value.skipped;
  }
  return out;
}

function checkEpoch(file: string, line: number, value: JsonObject): EpochRecord {
  if (typeof value.epoch !== 'number' || !Number.isInteger(value.epoch)) throw badRunDir(FN, file, '"epoch" must be an integer', { line });
  if (!isObject(value.train)) throw badRunDir(FN, file, '"train" must be an object of training scores', { line });
  if (!isObject(value.val)) throw badRunDir(FN, file, '"val" must be an object of validation scores', { line });
  return value as unknown as EpochRecord;
}

function checkSplitReport(file: string, key: string, value: unknown, numClasses: number): SplitReport {
  if (!isObject(value)) throw badRunDir(FN, file, `"${key}" must be an object (a split's classification report)`);
  const { perClass, confusion } = value;
  if (!Array.isArray(perClass) || perClass.length !== numClasses || !perClass.every(isObject)) {
    throw badRunDir(FN, file, `"${key}.perClass" must hold one { precision, recall, f1, support } object per class (${numClasses})`);
  }
  const square = Array.isArray(confusion) && confusion.length === numClasses && confusion.every((r) => Array.isArray(r) && r.length === numClasses);
  if (!square) throw badRunDir(FN, file, `"${key}.confusion" must be a ${numClasses}×${numClasses} array of counts`);
  return value as unknown as SplitReport;
}

function checkResult(file: string, value: JsonObject): RunResult {
  if (!isStringArray(value.classes) || value.classes.length === 0) throw badRunDir(FN, file, '"classes" must be a non-empty array of class names');
  const n = value.classes.length;
  checkSplitReport(file, 'val', value.val, n);
  checkSplitReport(file, 'test', value.test, n);
  return value as unknown as RunResult;
}

/**
 * Reads and checks a run directory's files (see {@link RUN_FILES}). `config.json` and
 * `metrics.jsonl` are required; `environment.json`, `data.json` and `result.json` are optional.
 *
 * @param dir - the run directory
 * @returns the run's files, parsed
 * @throws MmauxTrainerError `BAD_RUN_DIR` naming the file (and line) that is missing or malformed
 */
export async function readRunFiles(dir: string): Promise<RunFiles> {
  const config = await readJsonObject(FN, join(dir, RUN_FILES.config));
  const metricsFile = join(dir, RUN_FILES.metrics);
  const epochs = (await readJsonLines(FN, metricsFile)).map(({ line, value }) => checkEpoch(metricsFile, line, value));
  const envFile = join(dir, RUN_FILES.environment);
  const env = await readOptionalJsonObject(FN, envFile);
  const dataFile = join(dir, RUN_FILES.data);
  const data = await readOptionalJsonObject(FN, dataFile);
  const resultFile = join(dir, RUN_FILES.result);
  const result = await readOptionalJsonObject(FN, resultFile);
  return {
    dir,
    config,
    environment: env && checkEnvironment(envFile, env),
    data: data && checkData(dataFile, data),
    epochs,
    result: result && checkResult(resultFile, result),
  };
}
