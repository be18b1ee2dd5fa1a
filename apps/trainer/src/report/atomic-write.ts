import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * Writes `content` to `file` through a temporary sibling and a rename, so a reader (or a crash)
 * sees either the old file or the complete new one, never half a page.
 *
 * @param file - the target path; its folder must exist
 * @param content - the text to write (UTF-8)
 */
export async function writeTextAtomic(file: string, content: string): Promise<void> {
  counter += 1;
  // pid + counter: unique across processes and across concurrent writes in one process.
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${counter}.tmp`);
  try {
    await writeFile(tmp, content, 'utf8');
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
