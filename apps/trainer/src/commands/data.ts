// `mmaux data check`: reads a data set and decodes its images; loads no tensor library (only
// @mmaux/datasets and sharp), so it starts fast.
import { resolve } from 'node:path';
import { checkDataset, type DatasetName, DATASET_NAMES, formatLoadReport } from '@mmaux/datasets';
import { DATA_SEED } from '../data-seed.js';
import { MmauxTrainerError } from '../errors.js';
import { parseFlags } from '../flags.js';
import type { ProgressBar } from '../progress.js';
import type { Command } from './context.js';
import { DATA_CHECK_INFO } from './data-check-help.js';

export const dataCheckCommand: Command = {
  ...DATA_CHECK_INFO,
  async run(args, ctx) {
    const { values, positionals } = parseFlags('data check', args, { data: { type: 'string' }, 'text-file': { type: 'string' }, decode: { type: 'string' }, quick: { type: 'boolean' } }, 1);
    const name = positionals[0];
    if (name === undefined || !(DATASET_NAMES as readonly string[]).includes(name)) {
      throw new MmauxTrainerError('BAD_CONFIG', `mmaux data check: DATASET must be one of ${DATASET_NAMES.join(', ')}, got ${JSON.stringify(name ?? null)}.`);
    }
    if (typeof values.data !== 'string') throw new MmauxTrainerError('BAD_CONFIG', `mmaux data check: give the data set's folder (or manifest file) with --data PATH.`);
    const decode = values.decode ?? (values.quick ? 'header' : 'full');
    if (decode !== 'header' && decode !== 'full') throw new MmauxTrainerError('BAD_CONFIG', `mmaux data check: --decode must be header or full, got ${JSON.stringify(decode)}.`);
    if (values.quick && decode !== 'header') throw new MmauxTrainerError('BAD_CONFIG', `mmaux data check: --quick is --decode header; drop one of --quick and --decode ${decode}.`);
    let bar: ProgressBar | null = null;
    const { dataset, images } = await checkDataset(name as DatasetName, resolve(values.data), {
      seed: DATA_SEED,
      ...(typeof values['text-file'] === 'string' ? { textFile: resolve(values['text-file']) } : {}),
      images: {
        decode,
        onProgress: (done, total) => {
          bar ??= ctx.log.bar('check images', total);
          bar.update(done);
        },
      },
    });
    (bar as ProgressBar | null)?.done();
    const r = dataset.report;
    const skipped = Object.values(r.skipped).reduce((a, s) => a + (s?.count ?? 0), 0);
    // A class with no training post cannot be learnt: train refuses it, so the check says so.
    const emptyClasses = dataset.classes
      .map((name, c) => ({ name, train: r.perSplit.train[c] ?? 0, elsewhere: (r.perSplit.val[c] ?? 0) + (r.perSplit.test[c] ?? 0) }))
      .filter((c) => c.train === 0)
      .map(({ name, elsewhere }) => ({ name, valTest: elsewhere }));
    const problems = skipped + images.missing.length + images.corrupt.length + images.oversized.length + emptyClasses.length;
    if (ctx.json) {
      ctx.printJson({ dataset: name, classes: dataset.classes, report: r, images, emptyClasses, problems });
    } else {
      const lines = [formatLoadReport(r, dataset.classes)];
      lines.push(`  images: ${images.ok} ok, ${images.missing.length} missing, ${images.corrupt.length} corrupt, ${images.oversized.length} oversized, ${images.withoutImage} posts without an image`);
      for (const issue of images.issues.slice(0, 20)) lines.push(`    ${issue.id}: ${issue.problem} — ${issue.message}`);
      if (images.issues.length > 20) lines.push(`    … ${images.issues.length - 20} more (use --json for all)`);
      if (decode === 'header') lines.push('  (--quick: headers only; a truncated image passes here and fails at extraction)');
      for (const c of emptyClasses) lines.push(`  class "${c.name}" has no training post (${c.valTest} in val/test): train refuses it without --allow-empty-classes`);
      ctx.print(lines.join('\n'));
    }
    if (problems > 0) process.exitCode = 3;
  },
};
