// Paths a queued study carries: relative to the study folder (the folder `mmaux grid --queue`
// runs in and every worker's --root), so machines that mount it at different places agree, and a
// worker never reads or writes outside it.
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { MmauxTrainerError } from '../errors.js';

/** Whether `path` (absolute) is `root` or inside it. */
function isInside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
}

/**
 * `path` (absolute, or relative to the current folder) as a path relative to `root`, with `/`
 * separators.
 *
 * @throws MmauxTrainerError `BAD_CONFIG` when it lies outside `root`
 */
export function studyRelative(root: string, path: string, what: string): string {
  const abs = resolve(path);
  if (!isInside(root, abs)) {
    throw new MmauxTrainerError(
      'BAD_CONFIG',
      `${what} ${abs} is outside the study folder ${root}; workers on other machines only see that folder. Move it inside (a symlink inside works), or run from a folder that holds it.`,
    );
  }
  return relative(root, abs).split(sep).join('/') || '.';
}

/**
 * The absolute path of a study-relative `path` from a job; refuses absolute paths and any that
 * leave `root` (`../`).
 *
 * @throws MmauxTrainerError `BAD_INPUT` naming the job and the path
 */
export function insideStudy(root: string, path: unknown, what: string): string {
  if (typeof path !== 'string' || path === '' || isAbsolute(path) || !isInside(root, resolve(root, path))) {
    throw new MmauxTrainerError('BAD_INPUT', `${what}: path ${JSON.stringify(path)} leaves the study folder ${root}; refused (job paths are relative to the study folder and stay inside it).`);
  }
  return resolve(root, path);
}
