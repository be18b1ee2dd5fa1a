// Writing run files so that an interrupted run never leaves a half file that a later run trusts:
// everything goes to a temporary name in the same folder and is renamed into place.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let writes = 0;

/** Writes `content` to `file` atomically (temporary sibling, then rename); creates the folder. */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // pid + counter: unique across processes and across concurrent writes in one process.
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${++writes}.tmp`);
  try {
    await writeFile(tmp, content);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes pretty JSON atomically. */
export function writeJson(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Replaces the folder `target` by `fill`'s output: `fill` writes into a fresh temporary folder,
 * which is then renamed into place; the old folder is removed only after that.
 */
export async function replaceDirAtomic(target: string, fill: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${target}.tmp-${process.pid}`;
  const old = `${target}.old`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await fill(tmp);
  await rm(old, { recursive: true, force: true });
  if (existsSync(target)) await rename(target, old);
  await rename(tmp, target);
  await rm(old, { recursive: true, force: true });
}

/** The folder `replaceDirAtomic` left complete: `target`, or its `.old` copy after a crash mid-swap. */
export function completedDir(target: string): string | null {
  if (existsSync(target)) return target;
  return existsSync(`${target}.old`) ? `${target}.old` : null;
}

/** A CSV field, quoted when needed (RFC 4180). */
export function csvField(value: string | number): string {
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
