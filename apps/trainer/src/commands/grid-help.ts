// `mmaux grid` and `mmaux demo`'s names, summaries and help: read by `mmaux --help` and `--help`
// without loading the grid (and with it TensorFlow.js and BullMQ).
import type { CommandInfo } from './context.js';

export const GRID_INFO: CommandInfo = {
  name: 'grid',
  summary: "the paper's study: data sets × models × {base, +C, +M, +C+M} × seeds (× training sizes)",
  help: `Usage: mmaux grid CONFIG [--out DIR] [--json] [--quiet]
       mmaux grid CONFIG --queue URL [--wait] [--shard-posts N] [--attempts N]
       mmaux grid status CONFIG --queue URL [--json]

Runs every cell of the grid described by CONFIG (YAML or JSON), reusing cached features, then
writes results.md / results.csv / results.json (mean ± std over seeds of macro- and weighted-F1,
and a paired approximate-randomisation test of each setting against base on the pooled test
predictions) and report.html into the grid directory. Re-running continues where it stopped:
finished runs are kept, an interrupted run resumes from its last epoch.

CONFIG keys:
  datasets     list of data sets: a name (synthetic) or a mapping of run settings
               ({ dataset: tir, data: ~/data/TIR }); default [synthetic]
  models       fusion kinds; default [attention]
  settings     any of base, +C, +M, +C+M; default all four
  seeds        default [1, 2, 3]
  trainSizes   training posts per run, null for all (the low-resource study); default [null]
  out          the grid directory; default grid
  testSamples  samples of the significance test; default 2000
  any run setting (epochs, textEncoder, learningRate, ...) applies to every run.

On several machines (--queue; see the README's "Running a study on several machines"): instead
of running, enqueue the study on Redis (BullMQ): one job per feature-extraction shard, one per
unfinished run (after its data set's features), and one that writes the tables when every run
has ended. Run it from the study folder: every path of the study must lie inside it, and
workers (mmaux worker --queue URL --root FOLDER) on machines that share it take the jobs.
Enqueueing a study that is still on the queue adds nothing; once its flow ended, enqueueing it
again retries what failed (finished runs are kept).

  --queue URL       redis://[:password@]host[:port][/db] or rediss://… (TLS)
  --wait            stay until the tables are written, then print them (as without --queue)
  --shard-posts N   posts per extraction job (default 2000)
  --attempts N      tries of each job before it is reported failed (default 3)

grid status shows waiting / active / done / failed runs per data set and model, the worker of
each active job, extraction shards, and every failed job with its error.

Example (grid.yaml):
  datasets: [{ dataset: synthetic, task: sarcasm, size: 200 }]
  models: [concat, attention]
  settings: [base, +C+M]
  seeds: [1, 2]
  epochs: 8

  mmaux grid grid.yaml --out grids/sarcasm
  mmaux grid grid.yaml --queue redis://10.0.0.5:6379 && mmaux grid status grid.yaml --queue redis://10.0.0.5:6379`,
};

export const DEMO_INFO: CommandInfo = {
  name: 'demo',
  summary: 'offline demo: synthetic posts, built-in encoders, attention model, base/+C/+M/+C+M × 3 seeds',
  help: `Usage: mmaux demo [--out DIR] [--task sarcasm|sentiment|relation] [--force] [--json] [--quiet]

Generates a synthetic data set (400 posts whose class needs both the text and the image),
encodes it with the built-in offline encoders into the feature cache, trains the attention
fusion model as base, +C, +M and +C+M over seeds 1, 2, 3, and prints the results table with the
paired significance test against base. Needs no network; a few minutes on 2 cores.
Re-running it reuses everything finished; --force starts from scratch.

  --out DIR    where everything goes (default .mmaux/demo)
  --task NAME  sarcasm (default; MSD-like), sentiment (MVSA-like) or relation (TIR-like)
  --force      delete DIR first

Examples:
  mmaux demo
  mmaux demo --task sentiment --out demo-sentiment --json`,
};
