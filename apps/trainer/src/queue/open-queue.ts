// Opening the study queue: fail fast with the (redacted) URL when Redis cannot be reached, instead
// of ioredis retrying silently forever.
import { Queue } from 'bullmq';
import { MmauxTrainerError } from '../errors.js';
import type { RedisTarget } from './redis-url.js';
import { QUEUE_NAME } from './study-jobs.js';

/** How long a command waits for Redis before giving up. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens the queue and checks that Redis answers.
 *
 * @throws MmauxTrainerError `QUEUE_UNAVAILABLE` naming the redacted URL and the cause
 */
export async function openQueue(target: RedisTarget): Promise<Queue> {
  const queue = new Queue(QUEUE_NAME, { connection: target.connection });
  let lastError: Error | undefined;
  queue.on('error', (err) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady().then(() => queue.getJobCounts('active')),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(lastError?.message ?? 'no answer')), CONNECT_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    await queue.close().catch(() => undefined);
    throw new MmauxTrainerError(
      'QUEUE_UNAVAILABLE',
      `cannot reach Redis at ${target.redacted} (${(err as Error).message}); check that redis-server runs there and the URL's host, port, password and TLS (rediss://).`,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
  return queue;
}
