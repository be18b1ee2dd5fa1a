// `mmaux eval` and `mmaux predict`: names, summaries and help, read by `mmaux --help` without
// loading the commands.
import type { CommandInfo } from './context.js';

export const EVAL_INFO: CommandInfo = {
  name: 'eval',
  summary: "score a finished run's best model on a split",
  help: `Usage: mmaux eval RUN_DIR [--split test|val|train] [--json]

Loads the run's best model and settings, reads the split's features from the cache (encoding
what is missing), and prints accuracy, macro- and weighted-F1, per-class scores and the
confusion matrix (rows = true class).

Example:
  mmaux eval runs/synthetic-relation-attention-CM-seed30 --split val --json`,
};

export const PREDICT_INFO: CommandInfo = {
  name: 'predict',
  summary: "classify new posts (JSONL/CSV of text and image path) with a finished run's best model",
  help: `Usage: mmaux predict RUN_DIR --input FILE [--output FILE.csv [--force]] [--data-root DIR] [--on-bad-image skip|blank] [--strict] [--json]

FILE is JSONL (one {"id", "text", "image"} per line) or CSV with a header (id, text, image);
image paths are relative to FILE's folder; id defaults to the row number. Texts get the same
normalisation the run's data set had. Writes id, prediction and one probability column per
class as CSV to --output (or stdout), or with --json one object with a row per post.

Images must stay inside FILE's folder (or --data-root DIR): a path with "../", an absolute
path elsewhere or a symbolic link leading out is refused and never read. Such a post, or one
whose image is missing or cannot be decoded, is skipped (--on-bad-image blank: predicted with
a blank image) and listed: one line per reason on stderr, every post in --json ("skipped").
--strict stops at the first one instead (exit 3). An existing --output is replaced only with
--force (exit 4 otherwise); the input file and the run's own files never are.

Example:
  mmaux predict runs/tir-attention-CM-seed1 --input new-posts.jsonl --output predictions.csv`,
};
