import { resolve } from 'node:path';
import { checkDataset, type DatasetName, DATASET_NAMES, formatLoadReport } from '@mmaux/datasets';
import { resolveRunConfig } from '../config.js';
import { DATA_SEED, loadRunData } from '../data.js';
import { MmauxTrainerError } from '../errors.js';
import { prepareFeatures } from '../features.js';
import { parseFlags, readConfigFile, RUN_FLAGS, runSettingsFromFlags } from '../flags.js';
import type { ProgressBar } from '../progress.js';
import type { Command } from './context.js';

export const dataCheckCommand: Command = {
  name: 'data check',
  summary: 'validate a data set: counts per split and class, bad images, duplicate ids, empty texts',
  help: `Usage: mmaux data check DATASET --data PATH [--text-file FILE] [--decode header|full] [--json]

Loads DATASET (${DATASET_NAMES.join(', ')}) from PATH (its folder; for manifest the
manifest file) as training would, then checks every image: missing, corrupt, oversized, and
with --decode full also truncated ones. Prints posts per split and class and every problem
with the post id. Exit code 0 when nothing is wrong, 3 when something is.

Examples:
  mmaux data check tir --data ~/data/TIR
  mmaux data check manifest --data ./my-posts/manifest.csv --decode full --json`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags('data check', args, { data: { type: 'string' }, 'text-file': { type: 'string' }, decode: { type: 'string' } }, 1);
    const name = positionals[0];
    if (name === undefined || !(DATASET_NAMES as readonly string[]).includes(name)) {
      throw new MmauxTrainerError('BAD_CONFIG', `mmaux data check: DATASET must be one of ${DATASET_NAMES.join(', ')}, got ${JSON.stringify(name ?? null)}.`);
    }
    if (typeof values.data !== 'string') throw new MmauxTrainerError('BAD_CONFIG', `mmaux data check: give the data set's folder (or manifest file) with --data PATH.`);
    const decode = values.decode ?? 'header';
    if (decode !== 'header' && decode !== 'full') throw new MmauxTrainerError('BAD_CONFIG', `mmaux data check: --decode must be header or full, got ${JSON.stringify(decode)}.`);
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
    const problems = skipped + images.missing.length + images.corrupt.length + images.oversized.length;
    if (ctx.json) {
      ctx.printJson({ dataset: name, classes: dataset.classes, report: r, images, problems });
    } else {
      const lines = [formatLoadReport(r, dataset.classes)];
      lines.push(`  images: ${images.ok} ok, ${images.missing.length} missing, ${images.corrupt.length} corrupt, ${images.oversized.length} oversized, ${images.withoutImage} posts without an image`);
      for (const issue of images.issues.slice(0, 20)) lines.push(`    ${issue.id}: ${issue.problem} — ${issue.message}`);
      if (images.issues.length > 20) lines.push(`    … ${images.issues.length - 20} more (use --json for all)`);
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
cached already is skipped; an interrupted extraction continues where it stopped.
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
    const out = { dataset: config.dataset, posts: data.posts.length, computed: features.computed, seconds: features.extractionSeconds, textEncoder: features.textEncoder.id, imageEncoder: features.imageEncoder.id, cacheDir: resolve(config.cacheDir) };
    await features.close();
    if (ctx.json) ctx.printJson(out);
    else ctx.print(`${out.posts} posts: ${out.computed} inputs encoded now, the rest from the cache (${out.seconds.toFixed(1)} s); cache ${out.cacheDir}`);
  },
};
