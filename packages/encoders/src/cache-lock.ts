import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { MmauxEncoderError } from './errors.js';

const LOCK_FILE = 'writer.lock';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @internal Takes the writer lock of one encoder folder (a file created with O_EXCL holding the
 * pid and host). A lock left by a dead process on this host is taken over; a live holder is
 * waited for up to `timeoutMs`, then `CACHE_LOCKED`.
 */
export async function acquireWriterLock(dir: string, timeoutMs: number): Promise<() => Promise<void>> {
  const file = join(dir, LOCK_FILE);
  const me = JSON.stringify({ pid: process.pid, host: hostname() });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fh = await open(file, 'wx');
      try {
        await fh.writeFile(me);
      } finally {
        await fh.close();
      }
      return async () => {
        await rm(file, { force: true });
      };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new MmauxEncoderError('CACHE_IO', `FeatureCache: cannot create the writer lock ${file} (${code ?? (e as Error).message}); check that the cache folder is writable.`, { cause: e });
      }
    }
    let holder: { pid?: unknown; host?: unknown } | undefined;
    try {
      holder = JSON.parse(await readFile(file, 'utf8')) as { pid?: unknown; host?: unknown };
    } catch {
      holder = undefined; // being written right now, or gone: try again
    }
    if (holder && holder.host === hostname() && typeof holder.pid === 'number' && !pidAlive(holder.pid)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new MmauxEncoderError(
        'CACHE_LOCKED',
        `FeatureCache: ${file} is held by ${holder ? `process ${String(holder.pid)} on ${String(holder.host)}` : 'another process'}; ` +
          'wait for that extraction to finish, or delete the lock file if no such process is running.',
      );
    }
    await sleep(25);
  }
}
