import { join, resolve } from 'node:path';
import { normalizeTweet } from '@mmaux/datasets';
import { loadFusionModel } from '@mmaux/fusion';
import type { RunConfig } from '../config.js';
import { badImagePolicy, loadRunData, splitPosts } from '../data.js';
import { useRunBackend } from '../environment.js';
import { MmauxTrainerError } from '../errors.js';
import { predictPosts, predictionsCsv, splitReport } from '../evaluate.js';
import { prepareFeatures } from '../features.js';
import { writeFileAtomic } from '../files.js';
import { readJsonObject } from '../read-files.js';
import { parseFlags } from '../flags.js';
import { readNewPosts } from '../new-posts.js';
import { checkOutputFile } from '../output-file.js';
import { extractSkips, logSkipSummary, withoutSkippedImages } from '../skips.js';
import { RUN_FILES, type RunResult } from '../run-files.js';
import type { Command, CommandContext } from './context.js';
import { EVAL_INFO, PREDICT_INFO } from './predict-help.js';

/** A finished run's settings, classes and best model. */
async function openRun(command: string, runDir: string | undefined, ctx: CommandContext) {
  if (runDir === undefined) throw new MmauxTrainerError('BAD_CONFIG', `mmaux ${command}: give the run directory; see mmaux ${command} --help.`);
  const dir = resolve(runDir);
  const config = (await readJsonObject(`mmaux ${command}`, join(dir, RUN_FILES.config))) as unknown as RunConfig;
  const result = (await readJsonObject(`mmaux ${command}`, join(dir, RUN_FILES.result))) as unknown as RunResult;
  const backend = await useRunBackend(config);
  ctx.log.info(`run ${dir} (${result.dataset}, ${result.model}, ${result.setting}, seed ${result.seed}); backend ${backend.tfjsBackend}`);
  const model = await loadFusionModel(join(dir, RUN_FILES.bestModel));
  return { dir, config, result, model };
}

export const evalCommand: Command = {
  ...EVAL_INFO,
  async run(args, ctx) {
    const { values, positionals } = parseFlags('eval', args, { split: { type: 'string' } }, 1);
    const split = values.split ?? 'test';
    if (split !== 'test' && split !== 'val' && split !== 'train') throw new MmauxTrainerError('BAD_CONFIG', `mmaux eval: --split must be test, val or train, got ${JSON.stringify(split)}.`);
    const { config, result, model } = await openRun('eval', positionals[0], ctx);
    try {
      const all = splitPosts((await loadRunData(config, ctx.log)).posts)[split as 'test' | 'val' | 'train'];
      const features = await prepareFeatures(config, all, ctx.log, ctx.signal);
      try {
        // As in training: a post whose image cannot be decoded is left out (and listed).
        const posts = withoutSkippedImages(all, features.badImages);
        logSkipSummary(ctx.log, extractSkips(features.badImages), undefined, 'the extraction above');
        const pred = await predictPosts(model, features, posts, 32);
        const report = splitReport(posts, pred.predicted, result.classes.length);
        if (ctx.json) ctx.printJson({ split, posts: posts.length, loss: pred.loss, classes: result.classes, ...report });
        else {
          const lines = [
            `${split}: ${posts.length} posts, accuracy ${(100 * report.accuracy).toFixed(1)}, macro-F1 ${(100 * report.f1Macro).toFixed(1)}, weighted-F1 ${(100 * report.f1Weighted).toFixed(1)}, loss ${pred.loss.toFixed(4)}`,
            ...result.classes.map((c, i) => {
              const s = report.perClass[i]!;
              return `  ${c}: P ${(100 * s.precision).toFixed(1)} R ${(100 * s.recall).toFixed(1)} F1 ${(100 * s.f1).toFixed(1)} (n=${s.support}); confusion row ${JSON.stringify(report.confusion[i])}`;
            }),
          ];
          ctx.print(lines.join('\n'));
        }
      } finally {
        await features.close();
      }
    } finally {
      model.dispose();
    }
  },
};

export const predictCommand: Command = {
  ...PREDICT_INFO,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(
      'predict',
      args,
      { input: { type: 'string' }, output: { type: 'string' }, force: { type: 'boolean' }, 'data-root': { type: 'string' }, 'on-bad-image': { type: 'string' }, strict: { type: 'boolean' } },
      1,
    );
    if (typeof values.input !== 'string') throw new MmauxTrainerError('BAD_CONFIG', 'mmaux predict: give the posts to classify with --input FILE (.jsonl or .csv).');
    const flag = values['on-bad-image'];
    if (flag !== undefined && flag !== 'skip' && flag !== 'blank') throw new MmauxTrainerError('BAD_CONFIG', `mmaux predict: --on-bad-image must be skip or blank, got ${JSON.stringify(flag)}.`);
    // Before any work: never over an existing file without --force, never over the run's files.
    const output = typeof values.output === 'string' ? checkOutputFile(values.output, { force: values.force === true, input: values.input, runDir: positionals[0] }) : undefined;
    const { config, result, model } = await openRun('predict', positionals[0], ctx);
    const rules = { dataset: config.dataset, onBadImage: (flag as 'skip' | 'blank' | undefined) ?? config.onBadImage ?? null, strict: values.strict === true };
    try {
      const input = readNewPosts(values.input, { onBadImage: badImagePolicy(rules), ...(typeof values['data-root'] === 'string' ? { dataRoot: resolve(values['data-root']) } : {}) });
      const paperSet = config.dataset !== 'manifest' && config.dataset !== 'synthetic';
      const encodable = input.posts.map((p) => ({ ...p, text: paperSet ? normalizeTweet(p.text) : p.text }));
      const features = await prepareFeatures({ ...config, ...rules }, encodable, ctx.log, ctx.signal);
      try {
        // Posts whose image could not be decoded are listed, not predicted.
        const posts = withoutSkippedImages(encodable, features.badImages);
        const skipped = [...input.skipped, ...extractSkips(features.badImages)];
        logSkipSummary(ctx.log, skipped, undefined, '--json');
        if (posts.length === 0) {
          throw new MmauxTrainerError('BAD_INPUT', `${values.input}: none of its ${input.posts.length + input.skipped.filter((s) => s.outcome === 'skipped').length} posts can be classified (every image was refused, missing or undecodable; see above).`);
        }
        const pred = await predictPosts(model, features, posts, 32);
        const k = result.classes.length;
        if (ctx.json) {
          ctx.printJson({
            classes: result.classes,
            predictions: posts.map((p, i) => ({
              id: p.id,
              prediction: result.classes[pred.predicted[i]!],
              probabilities: Object.fromEntries(result.classes.map((c, j) => [c, pred.probabilities[i * k + j]])),
            })),
            skipped,
          });
          return;
        }
        const csv = predictionsCsv(posts, null, pred, result.classes);
        if (output !== undefined) {
          await writeFileAtomic(output, csv);
          ctx.print(`${posts.length} predictions written to ${output}${skipped.length > 0 ? ` (${skipped.filter((s) => s.outcome === 'skipped').length} posts skipped, see stderr)` : ''}`);
        } else ctx.print(csv.trimEnd());
      } finally {
        await features.close();
      }
    } finally {
      model.dispose();
    }
  },
};
