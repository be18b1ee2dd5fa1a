// Where a command writes a file the user names (`predict --output`): never over an existing file
// without --force, and never over the input it reads or the files of a run directory.
import { existsSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { MmauxTrainerError } from './errors.js';
import { RUN_FILES } from './run-files.js';

/**
 * Checks `file` before any work is done: an existing file needs `force` (`ALREADY_EXISTS`,
 * exit 4); the input file and a run directory's own files (config.json, result.json,
 * best-model/, …) are refused even with `force` (`BAD_CONFIG`).
 *
 * @returns the absolute path to write
 */
export function checkOutputFile(file: string, options: { force: boolean; input?: string; runDir?: string }): string {
  const out = resolve(file);
  if (options.input !== undefined && out === resolve(options.input)) {
    throw new MmauxTrainerError('BAD_CONFIG', `--output ${out} is the --input file; write the predictions somewhere else.`);
  }
  if (options.runDir !== undefined) {
    const inside = relative(resolve(options.runDir), out);
    const first = inside.split(sep)[0] ?? '';
    if (inside !== '' && !inside.startsWith('..') && (Object.values(RUN_FILES) as string[]).includes(first)) {
      throw new MmauxTrainerError('BAD_CONFIG', `--output ${out} is the run's own ${first}; write the predictions somewhere else (even --force does not replace run files).`);
    }
  }
  if (existsSync(out) && !options.force) {
    throw new MmauxTrainerError('ALREADY_EXISTS', `--output ${out} already exists; pass --force to replace it, or choose another file.`);
  }
  return out;
}
