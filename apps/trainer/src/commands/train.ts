import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveRunConfig } from '../config.js';
import { parseFlags, readConfigFile, RUN_FLAGS, runSettingsFromFlags, runSettingsHelp } from '../flags.js';
import { readJsonObject } from '../read-files.js';
import { RUN_FILES } from '../run-files.js';
import { runTraining } from '../train-run.js';
import type { Command } from './context.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train one model (one data set, encoders, fusion kind, auxiliary losses, seed)',
  help: `Usage: mmaux train [--config FILE] [settings] [--force | --resume] [--json] [--quiet]

Trains one fusion model on cached encoder features with CE and the chosen auxiliary losses,
validates every epoch, keeps the epoch with the best validation macro-F1 and reports its test
scores. Writes the run directory (--out): config.json, environment.json, data.json,
metrics.jsonl, best-model/, checkpoint/, predictions-{val,test}.csv, result.json, report.html.

Settings (flags override the config file, YAML or JSON, whose keys are the camelCase names):
${runSettingsHelp()}

  --force     replace an existing run directory
  --resume    continue the run in --out from its last completed epoch (same settings)

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
  async run(args, ctx) {
    const { values } = parseFlags('train', args, RUN_FLAGS);
    const flags = runSettingsFromFlags(values);
    let fromFile: Record<string, unknown> = {};
    let fileName = 'config';
    if (typeof values.config === 'string') {
      fromFile = readConfigFile(values.config);
      fileName = values.config;
    } else if (values.resume && typeof flags.out === 'string' && existsSync(join(resolve(flags.out), RUN_FILES.config))) {
      // `--resume --out DIR` alone: the run's own settings.
      fileName = join(flags.out, RUN_FILES.config);
      fromFile = readConfigFile(fileName);
    }
    const config = resolveRunConfig(fromFile, flags, fileName);
    const result = await runTraining(config, { log: ctx.log, force: Boolean(values.force), resume: Boolean(values.resume), signal: ctx.signal });
    // Every post the run left out or blanked, with its reason (the summary went to stderr).
    const { skipped } = await readJsonObject('mmaux train', join(resolve(config.out), RUN_FILES.data));
    if (ctx.json) ctx.printJson({ out: resolve(config.out), ...result, skipped });
    else {
      ctx.print(
        `${result.dataset} · ${result.model} · ${result.setting} · seed ${result.seed}: best epoch ${result.bestEpoch}/${result.epochs}, ` +
          `test macro-F1 ${(100 * result.test.f1Macro).toFixed(1)}, weighted-F1 ${(100 * result.test.f1Weighted).toFixed(1)}, accuracy ${(100 * result.test.accuracy).toFixed(1)}\n` +
          `run directory: ${resolve(config.out)} (report: ${join(resolve(config.out), RUN_FILES.report)})`,
      );
    }
  },
};
