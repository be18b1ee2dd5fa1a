import { join } from 'node:path';
import { MmauxTrainerError } from '../errors.js';
import { GRID_FILES, RUN_FILES } from '../run-files.js';
import { writeFileAtomic } from '../files.js';
import { renderGridReport } from './grid-report.js';
import { pathKind } from '../read-files.js';
import { renderRunReport } from './run-report.js';

/** What kind of directory a report is written for. */
export type ReportKind = 'run' | 'grid';

/**
 * Tells a run directory (`config.json` and `metrics.jsonl`) from a grid directory
 * (`results.json` or `grid.json`).
 *
 * @param dir - the directory
 * @returns `'run'` or `'grid'`
 * @throws MmauxTrainerError `BAD_RUN_DIR` when `dir` does not exist or is neither
 */
export async function detectReportKind(dir: string): Promise<ReportKind> {
  const kind = await pathKind(dir);
  if (kind !== 'dir') {
    throw new MmauxTrainerError(
      'BAD_RUN_DIR',
      `writeReport: ${dir} ${kind === null ? 'does not exist' : 'is a file, not a directory'}; pass the run directory \`mmaux train\` wrote or the grid directory \`mmaux grid\` wrote.`,
    );
  }
  const has = async (name: string) => (await pathKind(join(dir, name))) === 'file';
  if ((await has(RUN_FILES.config)) && (await has(RUN_FILES.metrics))) return 'run';
  if ((await has(GRID_FILES.results)) || (await has(GRID_FILES.config))) return 'grid';
  throw new MmauxTrainerError(
    'BAD_RUN_DIR',
    `writeReport: ${dir} is neither a run directory (${RUN_FILES.config} and ${RUN_FILES.metrics}) nor a grid directory (${GRID_FILES.results} or ${GRID_FILES.config}); pass the directory \`mmaux train\` or \`mmaux grid\` wrote.`,
  );
}

/**
 * Renders the report of a run or grid directory and writes it as `report.html` inside it,
 * atomically (a temporary file in the same directory, then a rename).
 *
 * @param dir - a run directory or a grid directory
 * @returns the path of the written `report.html`
 * @throws MmauxTrainerError `BAD_RUN_DIR` when the directory is missing or neither kind, or a file
 *   in it is malformed (the message names the file and line)
 */
export async function writeReport(dir: string): Promise<string> {
  const kind = await detectReportKind(dir);
  const html = kind === 'run' ? await renderRunReport(dir) : await renderGridReport(dir);
  const file = join(dir, kind === 'run' ? RUN_FILES.report : GRID_FILES.report);
  await writeFileAtomic(file, html);
  return file;
}
