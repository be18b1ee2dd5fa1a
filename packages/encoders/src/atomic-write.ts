import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** @internal A temporary name next to `file`, unique within this process and across processes. */
export function temporaryName(file: string): string {
  counter += 1;
  return join(dirname(file), `.${basename(file)}.${process.pid}.${counter}.tmp`);
}

/**
 * @internal Writes `chunks` to a temporary file, fsyncs it, renames it over `file` and fsyncs
 * the folder, so a crash leaves either the old file or the complete new one.
 */
export async function writeFileAtomic(file: string, chunks: readonly Uint8Array[]): Promise<void> {
  const tmp = temporaryName(file);
  const fh = await open(tmp, 'w');
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) {
        const { bytesWritten } = await fh.write(c, off, c.length - off);
        off += bytesWritten;
      }
    }
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(file));
}

/** @internal fsync a folder (so a rename inside it is durable); not possible on every platform. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Windows cannot open folders; the rename is still atomic there
  } finally {
    await fh?.close().catch(() => {});
  }
}
