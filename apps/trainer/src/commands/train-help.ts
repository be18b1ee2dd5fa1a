// `mmaux train`'s name, summary and help: read by `mmaux --help` without loading the command.
import { runSettingsHelp } from '../settings-help.js';
import type { CommandInfo } from './context.js';

export const TRAIN_INFO: CommandInfo = {
  name: 'train',
  summary: 'train one model (one data set, encoders, fusion kind, auxiliary losses, seed)',
  help: `Usage: mmaux train [--config FILE] [settings] [--force | --resume] [--json] [--quiet]

Trains one fusion model on cached encoder features with CE and the chosen auxiliary losses,
validates every epoch, keeps the epoch with the best validation macro-F1 and reports its test
scores. Writes the run directory (--out): config.json, environment.json, data.json,
metrics.jsonl, best-model/, checkpoint/, predictions-{val,test}.csv, result.json, report.html.

  --config FILE  settings from a YAML or JSON file, keys in camelCase (--batch-size is
                 batchSize); flags override it, and it overrides the defaults
  --force        replace an existing run directory
  --resume       continue the run in --out from its last completed epoch (same settings)

Settings:
${runSettingsHelp()}

Bad input: a row that cannot be read, or a post whose image is missing, outside the data
folder or cannot be decoded, is left out (--on-bad-image blank keeps the post with a blank
image); stderr has one line per reason with the first ids, data.json and --json ("skipped")
every post with its reason. --strict stops at the first one instead (exit 3). A class without
a training post is an error naming it (--allow-empty-classes: a warning).

Examples:
  mmaux train --dataset synthetic --task sarcasm --model concat --aux itc,itm --epochs 10
  mmaux train --dataset tir --data ~/data/TIR --aux itc --beta-itc 0.2 --seed 1 --out runs/tir-c
  mmaux train --config experiments/mvsa.yaml --train-size 500
  mmaux train --resume --out runs/tir-c`,
};
