// `mmaux data check`'s name, summary and help: read by `mmaux --help` without loading the command.
import { DATASET_CHOICES } from '../config.js';
import type { CommandInfo } from './context.js';

/** The data sets data check reads: every run data set but the generated one. */
const CHECKED = DATASET_CHOICES.filter((d) => d !== 'synthetic');

export const DATA_CHECK_INFO: CommandInfo = {
  name: 'data check',
  summary: 'validate a data set: counts per split and class, bad images, duplicate ids, empty texts',
  help: `Usage: mmaux data check DATASET --data PATH [--text-file FILE] [--quick] [--json]

Loads DATASET (${CHECKED.join(', ')}) from PATH (its folder; for manifest the
manifest file) as training would, then decodes every image the way feature extraction will,
several at a time with progress: missing, corrupt, truncated and oversized images are
reported, so an image that passes is one extraction accepts. --quick reads only the headers
(faster; misses truncated files). Prints posts per split and class, every skipped row and
bad image with the post id, text that is not valid UTF-8, and classes without a training
post. Exit code 0 when nothing is wrong, 3 when something is.

  --data PATH      the data set's folder, or the manifest file
  --text-file FILE micd only: the rehydrated texts (JSONL or CSV of id, text)
  --quick          header-only image check (same as --decode header)
  --decode MODE    full (default) or header

Examples:
  mmaux data check tir --data ~/data/TIR
  mmaux data check manifest --data ./my-posts/manifest.csv --quick --json`,
};
