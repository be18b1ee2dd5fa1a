import { resolve } from 'node:path';
import { checkDataset, type DatasetName, DATASET_NAMES, formatLoadReport } from '@mmaux/datasets';
import { resolveRunConfig } from '../config.js';
import { DATA_SEED, loadRunData } from '../data.js';
import { MmauxTrainerError } from '../errors.js';
import { prepareFeatures } from '../features.js';
import { parseFlags, readConfigFile, RUN_FLAGS, runSettingsFromFlags } from '../flags.js';
import type { ProgressBar } from '../progress.js';
import { extractSkips, loadSkips, logSkipSummary } from '../skips.js';
import type { Command } from './context.js';

export const dataCheckCommand: Command = {
  name: 'data check',
  summary: 'validate a data set: counts per split and class, bad images, duplicate ids, empty texts',
  help: `Usage: mmaux data check DATASET --data PATH [--text-file FILE] [--quick] [--json]

Loads DATASET (${DATASET_NAMES.join(', ')}) from PATH (its folder; for manifest the
manifest file) as training would, then decodes every image the way feature extraction will,
several at a time with progress: missing, corrupt, truncated and oversized images are
reported, so an image that passes is one extraction accepts. --quick reads only the headers
(faster; misses truncated files). Prints posts per split and class, every skipped row and
bad image with the post id, text that is not valid UTF-8, and classes without a training
post. Exit code 0 when nothing is wrong, 3 when something is.

  --quick          header-only image check (same as --decode header)
  --decode MODE    full (default) or header

Examples:
  mmaux data check tir --data ~/data/TIR
  mmaux data check manifest --data ./my-posts/manifest.csv --quick --json`,
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

export const extractCommand: Command = {
  name: 'extract',
  summary: 'encode a data set into the feature cache (resumable, with progress)',
  help: `Usage: mmaux extract [--config FILE] --dataset NAME [--data PATH] [--text-encoder SPEC] [--image-encoder SPEC] [--cache-dir DIR] [--cache-dtype float32|float16] [--patch-grid N] [--json]

Runs the text and image encoders over every post of the data set and stores the features in
the cache (keyed by encoder id and input content), so training never encodes again. What is
cached already is skipped; an interrupted extraction continues where it stopped. A post whose
image cannot be decoded is skipped (--on-bad-image blank: encoded with a blank image) and
listed, one line per reason on stderr and every post in --json ("skipped"); fix the file and
run again to encode just it. --strict stops at the first one.
Encoder specs: builtin:text-hash, builtin:image-patches, hf:<hub id or local model folder>.

Examples:
  mmaux extract --dataset synthetic --task sentiment
  mmaux extract --dataset mvsa-single --data ~/data/MVSA_Single --text-encoder hf:Xenova/bert-base-uncased --image-encoder hf:Xenova/vit-base-patch16-224-in21k --cache-dtype float16 --patch-grid 7`,
  async run(args, ctx) {
    const { values } = parseFlags('extract', args, RUN_FLAGS);
    const fromFile = typeof values.config === 'string' ? readConfigFile(values.config) : {};
    const config = resolveRunConfig(fromFile, runSettingsFromFlags(values), typeof values.config === 'string' ? values.config : 'config');
    const data = await loadRunData(config, ctx.log);
    const features = await prepareFeatures(config, data.posts, ctx.log, ctx.signal);
    const skipped = [...loadSkips(data.report), ...extractSkips(features.badImages)];
    logSkipSummary(ctx.log, skipped, data.report.flagged, '--json');
    const encoded = data.posts.length - features.badImages.filter((b) => b.action === 'skipped').length;
    const out = {
      dataset: config.dataset,
      posts: data.posts.length,
      encoded,
      computed: features.computed,
      seconds: features.extractionSeconds,
      textEncoder: features.textEncoder.id,
      imageEncoder: features.imageEncoder.id,
      cacheDir: resolve(config.cacheDir),
      skipped,
    };
    await features.close();
    if (ctx.json) ctx.printJson(out);
    else ctx.print(`${out.posts} posts (${out.encoded} with features): ${out.computed} inputs encoded now, the rest from the cache (${out.seconds.toFixed(1)} s); cache ${out.cacheDir}`);
  },
};
