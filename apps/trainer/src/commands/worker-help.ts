// `mmaux worker`'s name, summary and help: read without loading BullMQ or TensorFlow.js.
import type { CommandInfo } from './context.js';

export const WORKER_INFO: CommandInfo = {
  name: 'worker',
  summary: 'take the jobs of queued studies (mmaux grid --queue) from Redis and run them',
  help: `Usage: mmaux worker --queue URL [--root DIR] [--concurrency N] [--lock-seconds S] [--quiet]

Takes jobs of studies enqueued with mmaux grid STUDY --queue URL: feature-extraction shards,
training runs and the final tables. Start it on every machine that sees the study folder (a
shared filesystem); it writes the same run directories and feature cache as a local grid, with
the same atomic writes. A finished run is skipped; a job whose worker died is taken over by
another worker once its lock expires and resumes from the run's last checkpoint; a failing job
is retried (3 tries), then reported by mmaux grid status without stopping the rest.
Ctrl-C hands the current job back to the queue after the current step (again to quit at once).

  --queue URL         redis://[:password@]host[:port][/db], or rediss://… for TLS (the password
                      is never printed or written)
  --root DIR          the study folder: where mmaux grid --queue was run (default: the current folder)
  --concurrency N     worker processes on this machine (default 1; training is CPU bound)
  --lock-seconds S    how long a job stays locked without a sign of life from its worker before
                      another worker takes it over (default 30)

Examples:
  mmaux worker --queue redis://10.0.0.5:6379 --root /shared/study
  mmaux worker --queue rediss://:secret@redis.example.org:6380/2 --concurrency 2`,
};
