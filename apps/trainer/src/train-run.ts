// One training run: data → cached features → fusion model trained with CE (+ ITC, + ITM), validated
// every epoch, the best epoch (validation macro-F1) kept and scored on test. Every file of the run
// directory is written atomically; a checkpoint after each epoch makes `--resume` exact.
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deriveSeed, type LoadedDataset, type Post } from '@mmaux/datasets';
import { AdamW, constantSchedule, createFusionModel, createTrainStep, type FusionModel, imageLayerParamGroups, type LearningRateSchedule, linearWarmupDecay, loadFusionModel, textLayerParamGroups } from '@mmaux/fusion';
import { balancedClassWeights, createRng } from '@mmaux/losses';
import { type RunConfig, datasetLabel, defaultRunConfig, finetunedImageLayers, finetunedTextLayers, settingOf } from './config.js';
import { loadRunData, splitPosts, stratifiedSample } from './data.js';
import { describeEnvironment, useRunBackend } from './environment.js';
import { MmauxTrainerError } from './errors.js';
import { type FeatureSource, disposeInput, prepareFeatures } from './features.js';
import { predictPosts, predictionsCsv, splitReport, splitScores } from './evaluate.js';
import { type CheckpointState, loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { writeFileAtomic, writeJson } from './files.js';
import { readJsonObject } from './read-files.js';
import type { Log } from './progress.js';
import { type EpochRecord, RUN_FILES, type RunResult } from './run-files.js';
import { lengthGroupedBatches } from './length-groups.js';
import { chunk, shuffleInPlace } from './shuffle.js';
import { createTrainedImageLayers } from './image-layer-features.js';
import { createTrainedTextLayers } from './text-layer-features.js';
import { checkTrainingClasses, extractSkips, loadSkips, logSkipSummary, withoutSkippedImages } from './skips.js';
import { writeReport } from './report/index.js';

/** How a run is started. */
export interface RunOptions {
  log: Log;
  /** Replace an existing run directory. */
  force?: boolean;
  /** Continue the run in `config.out` from its last completed epoch. */
  resume?: boolean;
  /** Stops training between steps; the last completed epoch stays resumable. */
  signal?: AbortSignal;
  /** The data set, loaded by the caller (a grid loads it once for all its runs). */
  data?: LoadedDataset;
  /** Features prepared by the caller for every post of `data` (a grid shares them between runs). */
  features?: FeatureSource;
}

/** Keys whose change makes a resumed run a different run (a key the saved run predates counts as its default). */
function changedKeys(saved: RunConfig, now: RunConfig): string[] {
  const ignore = new Set(['out', 'backend', 'threads', 'cacheDir', 'strict', 'allowEmptyClasses']);
  const defaults = defaultRunConfig(now.dataset) as unknown as Record<string, unknown>;
  const was = saved as unknown as Record<string, unknown>;
  return Object.keys(now).filter((k) => !ignore.has(k) && JSON.stringify(was[k] ?? defaults[k]) !== JSON.stringify(now[k as keyof RunConfig]));
}

/** Every split must keep a post. */
function checkSplits(config: RunConfig, splits: { train: readonly Post[]; val: readonly Post[]; test: readonly Post[] }, when: string): void {
  for (const name of ['train', 'val', 'test'] as const) {
    if (splits[name].length === 0) throw new MmauxTrainerError('BAD_INPUT', `${datasetLabel(config)} has no ${name} posts ${when}; check the data set's split column or files.`);
  }
}

/** Checks the run directory against --force / --resume and prepares it. */
async function prepareRunDir(config: RunConfig, options: RunOptions): Promise<void> {
  const dir = resolve(config.out);
  const used = existsSync(dir) && readdirSync(dir).length > 0;
  if (options.resume) {
    if (!existsSync(join(dir, RUN_FILES.config))) {
      throw new MmauxTrainerError('NOT_FOUND', `--resume: ${dir} holds no run (no ${RUN_FILES.config}); start it without --resume.`);
    }
    const diff = changedKeys((await readJsonObject('--resume', join(dir, RUN_FILES.config))) as unknown as RunConfig, config);
    if (diff.length > 0) {
      throw new MmauxTrainerError('BAD_CONFIG', `--resume: the settings differ from the run in ${dir} (${diff.join(', ')}); resume with the same settings, or start a new run.`);
    }
    return;
  }
  if (used) {
    if (!options.force) {
      throw new MmauxTrainerError('ALREADY_EXISTS', `run directory ${dir} already exists and is not empty; pass --force to replace it, --resume to continue it, or choose another --out.`);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/** Mean of the non-null values, or null. */
function mean(values: readonly (number | null)[]): number | null {
  const xs = values.filter((v): v is number => v !== null);
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Runs (or resumes) one training run; resolves to what `result.json` holds. */
export async function runTraining(config: RunConfig, options: RunOptions): Promise<RunResult> {
  const { log, signal } = options;
  const dir = resolve(config.out);
  await prepareRunDir(config, options);
  const backend = await useRunBackend(config);
  await writeJson(join(dir, RUN_FILES.config), config);
  await writeJson(join(dir, RUN_FILES.environment), describeEnvironment(backend));
  log.info(`run ${dir}: ${datasetLabel(config)}, ${config.model}, ${settingOf(config.aux)}, seed ${config.seed}, backend ${backend.tfjsBackend}`);

  const data = options.data ?? (await loadRunData(config, log));
  const loaded = splitPosts(data.posts);
  const sampled = config.trainSize === null ? loaded.train : stratifiedSample(loaded.train, config.trainSize, deriveSeed(config.seed, 'train-size'));
  checkSplits(config, { ...loaded, train: sampled }, 'after loading');
  // Before the (long) extraction: a class that cannot be learnt.
  checkTrainingClasses(sampled, [...loaded.val, ...loaded.test], data.classes, config.allowEmptyClasses === true, log, datasetLabel(config));

  const features = options.features ?? (await prepareFeatures(config, [...sampled, ...loaded.val, ...loaded.test], log, signal));
  try {
    // Posts whose image could not be decoded leave the run (or kept a blank image); all are listed.
    const ids = new Set([...sampled, ...loaded.val, ...loaded.test].map((p) => p.id));
    const bad = features.badImages.filter((b) => ids.has(b.id));
    const [train, val, test] = [sampled, loaded.val, loaded.test].map((posts) => withoutSkippedImages(posts, bad)) as [Post[], Post[], Post[]];
    const skipped = [...loadSkips(data.report), ...extractSkips(bad)];
    // A grid (features given) prints the summary once per data set.
    if (options.features === undefined) logSkipSummary(log, skipped, data.report.flagged, `${join(dir, RUN_FILES.data)} and --json`);
    if (train.length < sampled.length || val.length < loaded.val.length || test.length < loaded.test.length) {
      checkSplits(config, { train, val, test }, 'once the posts whose image cannot be used are left out');
      if (new Set(train.map((p) => p.label)).size < new Set(sampled.map((p) => p.label)).size) {
        checkTrainingClasses(train, [...val, ...test], data.classes, config.allowEmptyClasses === true, log, datasetLabel(config));
      }
    }
    await writeJson(join(dir, RUN_FILES.data), { classes: data.classes, report: data.report, trainSize: train.length, skipped });
    return await trainAndScore(config, { dir, train, val, test, classes: data.classes, features, options });
  } finally {
    if (options.features === undefined) await features.close();
  }
}

interface RunInputs {
  dir: string;
  train: Post[];
  val: Post[];
  test: Post[];
  classes: string[];
  features: FeatureSource;
  options: RunOptions;
}

async function trainAndScore(config: RunConfig, inputs: RunInputs): Promise<RunResult> {
  const { dir, train, val, test, classes, features, options } = inputs;
  const { log, signal } = options;
  const numClasses = classes.length;
  const stepsPerEpoch = Math.ceil(train.length / config.batchSize);
  const scheduleOf = (learningRate: number): LearningRateSchedule =>
    config.schedule === 'linear'
      ? linearWarmupDecay({ learningRate, warmupSteps: config.warmupSteps, totalSteps: stepsPerEpoch * config.epochs })
      : constantSchedule(learningRate);
  // Fine-tuned text layers train at --encoder-lr (on the same schedule), the rest at --learning-rate.
  const optimizerFor = (model: FusionModel): AdamW =>
    new AdamW({
      learningRate: scheduleOf(config.learningRate),
      weightDecay: config.weightDecay,
      ...(model.textLayers === null && model.imageLayers === null ? {} : { paramGroups: encoderParamGroups(model) }),
    });
  // Fine-tuned image layers likewise, each stack decayed from its own top.
  const encoderParamGroups = (model: FusionModel) => [
    ...(model.textLayers === null ? [] : textLayerParamGroups(model.textLayers, { learningRate: scheduleOf(config.encoderLr), layerDecay: config.layerDecay })),
    ...(model.imageLayers === null ? [] : imageLayerParamGroups(model.imageLayers, { learningRate: scheduleOf(config.encoderLr), layerDecay: config.layerDecay })),
  ];
  const summary = config.summary ?? (config.textEncoder.startsWith('hf:') && config.imageEncoder.startsWith('hf:') ? 'first-token' : 'pooled');
  const checkpointDir = join(dir, RUN_FILES.checkpoint);
  let model: FusionModel;
  let state: CheckpointState;
  let optimizer: AdamW;
  if (options.resume && existsSync(join(dir, RUN_FILES.config))) {
    ({ model, state, optimizer } = await loadCheckpoint(checkpointDir, optimizerFor));
    log.info(`resuming after epoch ${state.epoch} of ${config.epochs}`);
  } else {
    const textLayers = finetunedTextLayers(config) === 0 ? undefined : await createTrainedTextLayers(config, summary === 'pooled' || config.itcSource === 'pooled');
    if (textLayers !== undefined) {
      const trained = textLayers.hasEmbeddings ? `the embeddings${config.freezeWordEmbeddings ? ' (word table frozen)' : ''}, layers 0` : `layers ${textLayers.firstLayer}`;
      const cached = textLayers.hasEmbeddings ? 'token ids' : `the hidden states entering layer ${textLayers.firstLayer}`;
      log.info(`text encoder: ${trained}–${textLayers.config.numLayers - 1}${textLayers.hasPooler ? ' and the pooler' : ''} train at ${config.encoderLr}${config.layerDecay < 1 ? ` (layer decay ${config.layerDecay})` : ''}; the cache holds ${cached}`);
    }
    const imageLayers = finetunedImageLayers(config) === 0 ? undefined : await createTrainedImageLayers(config);
    if (imageLayers !== undefined) {
      log.info(`image encoder: layers ${imageLayers.firstLayer}–${imageLayers.config.numLayers - 1} and the final LayerNorm train at ${config.encoderLr}${config.layerDecay < 1 ? ` (layer decay ${config.layerDecay})` : ''}; the cache holds the hidden states entering layer ${imageLayers.firstLayer}`);
    }
    model = createFusionModel(config.model, {
      ...(textLayers === undefined ? {} : { textLayers }),
      ...(imageLayers === undefined ? {} : { imageLayers }),
      // An ids cache (`all`) has dim 1; the fusion layers read the encoder's hidden states.
      textDim: textLayers?.config.hiddenSize ?? features.textDim,
      imageDim: features.imageDim,
      numClasses,
      seed: config.seed,
      dropout: config.dropout,
      itcSource: config.itcSource,
      summary,
      maxTextLength: config.maxLength,
      ...(config.hiddenDim === null ? {} : { hiddenDim: config.hiddenDim }),
      ...(config.layers === null ? {} : { layers: config.layers }),
      ...(config.heads === null ? {} : { heads: config.heads }),
      ...(config.ffnDim === null ? {} : { ffnDim: config.ffnDim }),
    });
    state = { epoch: 0, bestEpoch: 0, bestValF1: -1, records: [] };
    optimizer = optimizerFor(model);
  }
  // metrics.jsonl always equals the checkpoint's records: an epoch cut short is not in either.
  await writeFileAtomic(join(dir, RUN_FILES.metrics), state.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const classWeights = config.classWeights === 'balanced' ? balancedClassWeights(train.map((p) => p.label), numClasses, { onWarning: (m: string) => log.warn(m) }) : undefined;
  // Text lengths for --group-by-length come from the cache's index (no token is read).
  const lengths = config.groupByLength ? await features.textLengths(train) : null;
  const started = performance.now();
  try {
    for (let epoch = state.epoch + 1; epoch <= config.epochs; epoch++) {
      const t0 = performance.now();
      // Every generator of an epoch is derived from (seed, epoch), so a resumed run draws exactly
      // what an uninterrupted one would.
      const trainer = createTrainStep(model, {
        optimizer,
        betaItc: config.aux.includes('itc') ? config.betaItc : 0,
        betaItm: config.aux.includes('itm') ? config.betaItm : 0,
        scheme: config.scheme,
        ...(classWeights === undefined ? {} : { classWeights }),
        itm: { strategy: config.itmStrategy },
        rng: createRng(deriveSeed(config.seed, 'itm', epoch)),
        dropoutRng: createRng(deriveSeed(config.seed, 'dropout', epoch)),
      });
      const shuffle = createRng(deriveSeed(config.seed, 'shuffle', epoch));
      const batches = config.groupByLength
        ? lengthGroupedBatches(lengths!, config.batchSize, shuffle)
        : chunk(shuffleInPlace(Array.from({ length: train.length }, (_, i) => i), shuffle), config.batchSize);
      const parts: { loss: number[]; ce: number[]; itc: (number | null)[]; itm: (number | null)[]; accuracy: number[]; retrieval: (number | null)[]; itmAccuracy: (number | null)[] } = {
        loss: [], ce: [], itc: [], itm: [], accuracy: [], retrieval: [], itmAccuracy: [],
      };
      let learningRate = config.learningRate;
      const bar = log.bar(`epoch ${epoch}/${config.epochs}`, stepsPerEpoch);
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (signal?.aborted) throw new MmauxTrainerError('INTERRUPTED', `interrupted in epoch ${epoch}; ${state.epoch} epoch(s) are saved — continue with --resume --out ${config.out}.`);
        const batch = batches[s]!.map((i) => train[i]!);
        const input = await features.batch(batch, model.reads); // only what this kind reads
        try {
          const r = await trainer.step({ ...input, labels: batch.map((p) => p.label) });
          parts.loss.push(r.loss);
          parts.ce.push(r.ce);
          parts.itc.push(r.itc);
          parts.itm.push(r.itm);
          parts.accuracy.push(r.accuracy);
          parts.retrieval.push(r.retrievalTop1);
          parts.itmAccuracy.push(r.itmAccuracy);
          learningRate = r.learningRate ?? learningRate;
          bar.update(s + 1, `loss ${r.loss.toFixed(4)}`);
        } finally {
          disposeInput(input);
        }
      }
      const valPred = await predictPosts(model, features, val, Math.max(config.batchSize, 32));
      const valReport = splitReport(val, valPred.predicted, numClasses);
      const best = valReport.f1Macro > state.bestValF1;
      const record: EpochRecord = {
        epoch,
        train: {
          loss: mean(parts.loss)!,
          ce: mean(parts.ce)!,
          itc: mean(parts.itc),
          itm: mean(parts.itm),
          accuracy: mean(parts.accuracy)!,
          retrievalTop1: mean(parts.retrieval),
          itmAccuracy: mean(parts.itmAccuracy),
        },
        val: splitScores(valReport, valPred.loss),
        learningRate,
        best,
        seconds: (performance.now() - t0) / 1000,
      };
      bar.done(`loss ${record.train.loss.toFixed(4)} · val macro-F1 ${(100 * valReport.f1Macro).toFixed(1)}${best ? ' (best)' : ''}`);
      if (best) await model.save(join(dir, RUN_FILES.bestModel));
      state = {
        epoch,
        bestEpoch: best ? epoch : state.bestEpoch,
        bestValF1: best ? valReport.f1Macro : state.bestValF1,
        records: [...state.records, record],
      };
      await saveCheckpoint(join(dir, RUN_FILES.checkpoint), model, optimizer, state);
      await appendFile(join(dir, RUN_FILES.metrics), `${JSON.stringify(record)}\n`);
    }
  } finally {
    model.dispose();
    optimizer.dispose();
  }
  const trainingSeconds = (performance.now() - started) / 1000;
  const bestModel = await loadFusionModel(join(dir, RUN_FILES.bestModel));
  try {
    const batchSize = Math.max(config.batchSize, 32);
    const valPred = await predictPosts(bestModel, features, val, batchSize);
    const testPred = await predictPosts(bestModel, features, test, batchSize);
    const names = (posts: readonly Post[]) => posts.map((p) => classes[p.label]!);
    await writeFileAtomic(join(dir, RUN_FILES.valPredictions), predictionsCsv(val, names(val), valPred, classes));
    await writeFileAtomic(join(dir, RUN_FILES.testPredictions), predictionsCsv(test, names(test), testPred, classes));
    const result: RunResult = {
      dataset: datasetLabel(config),
      model: config.model,
      setting: settingOf(config.aux),
      seed: config.seed,
      trainSize: train.length,
      classes,
      bestEpoch: state.bestEpoch,
      epochs: config.epochs,
      val: splitReport(val, valPred.predicted, classes.length),
      test: splitReport(test, testPred.predicted, classes.length),
      seconds: { extraction: features.extractionSeconds, training: trainingSeconds },
    };
    await writeJson(join(dir, RUN_FILES.result), result);
    await writeReport(dir);
    log.info(`best epoch ${result.bestEpoch}: test macro-F1 ${(100 * result.test.f1Macro).toFixed(1)}, weighted-F1 ${(100 * result.test.f1Weighted).toFixed(1)}, accuracy ${(100 * result.test.accuracy).toFixed(1)}`);
    return result;
  } finally {
    bestModel.dispose();
  }
}
