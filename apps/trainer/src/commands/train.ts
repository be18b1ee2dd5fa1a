import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveRunConfig } from '../config.js';
import { parseFlags, readConfigFile, RUN_FLAGS, runSettingsFromFlags } from '../flags.js';
import { readJsonObject } from '../read-files.js';
import { RUN_FILES } from '../run-files.js';
import { runTraining } from '../train-run.js';
import type { Command } from './context.js';
import { TRAIN_INFO } from './train-help.js';

export const trainCommand: Command = {
  ...TRAIN_INFO,
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
