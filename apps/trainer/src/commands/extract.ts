// `mmaux extract`: runs the encoders over a data set into the feature cache.
import { resolve } from 'node:path';
import { resolveRunConfig } from '../config.js';
import { loadRunData } from '../data.js';
import { prepareFeatures } from '../features.js';
import { parseFlags, readConfigFile, RUN_FLAGS, runSettingsFromFlags } from '../flags.js';
import { extractSkips, loadSkips, logSkipSummary } from '../skips.js';
import type { Command } from './context.js';
import { EXTRACT_INFO } from './extract-help.js';

export const extractCommand: Command = {
  ...EXTRACT_INFO,
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
