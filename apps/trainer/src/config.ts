// A run's settings: the schema (keys, types, allowed values), the defaults per data set, and the
// merge of defaults < config file < command-line flags. Every message names the key, the value
// and what is allowed.
import type { TfjsImagePreset } from '@mmaux/encoders';
import type { FusionKind } from '@mmaux/fusion';
import { MmauxTrainerError } from './errors.js';
import type { Setting } from './run-files.js';

export const DATASET_CHOICES = ['tir', 'mvsa-single', 'mvsa-multiple', 'mhp', 'msd', 'micd', 'manifest', 'synthetic'] as const;
export type DatasetChoice = (typeof DATASET_CHOICES)[number];
export const SYNTHETIC_TASK_CHOICES = ['relation', 'sentiment', 'sarcasm'] as const;
export const BACKEND_CHOICES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export const AUX_CHOICES = ['itc', 'itm'] as const;
/**
 * `@mmaux/encoders`' TFJS_IMAGE_PRESETS names, repeated so that validating a config never loads
 * the encoders; test/cli-startup.test.ts checks that the two lists are equal.
 */
export const IMAGE_PRESET_CHOICES = ['mobilenet-v1', 'mobilenet-v2', 'mobilenet-v3', 'efficientnet', 'inception-v3', 'tfhub'] as const satisfies readonly TfjsImagePreset[];
export type AuxLoss = (typeof AUX_CHOICES)[number];
/**
 * `@mmaux/fusion`'s FUSION_KINDS, repeated so that validating a config (and `--help`) never loads
 * TensorFlow.js; test/cli-startup.test.ts checks that the two lists are equal.
 */
export const MODEL_CHOICES = ['text-only', 'image-only', 'concat', 'attention', 'gmu', 'single-stream', 'dual-stream'] as const satisfies readonly FusionKind[];

/** Every setting of one training run, defaults filled in: what `config.json` holds. */
export interface RunConfig {
  /** A paper data set, `manifest` (your own CSV/JSONL) or `synthetic` (generated offline). */
  dataset: DatasetChoice;
  /** The data set's folder, or the manifest file; for `synthetic`, where it is generated. */
  data: string | null;
  /** `synthetic` only: which task. */
  task: (typeof SYNTHETIC_TASK_CHOICES)[number];
  /** `synthetic` only: how many posts. */
  size: number;
  /** MICD's rehydrated texts (JSONL or CSV of id, text). */
  textFile: string | null;
  /**
   * A post whose image is missing, escapes the data folder or cannot be decoded: dropped from the
   * run and listed, or kept with a blank image and listed; null for the data set's own rule
   * (skip; blank for micd, whose authors pair text-only posts with a blank image).
   */
  onBadImage: 'skip' | 'blank' | null;
  /** Stop at the first bad row or image instead (exit 3, naming the file, row and post). */
  strict: boolean;
  /** A class without a training post is a warning naming it instead of an error. */
  allowEmptyClasses: boolean;
  textEncoder: string;
  imageEncoder: string;
  /** `tfjs:` image encoders: the model family's input size and pixel range; null: the model's size, range [0, 1]. */
  imagePreset: TfjsImagePreset | null;
  /** `tfjs:` image encoders: square input side in pixels; null: the model's, else the preset's, else 224. */
  imageSize: number | null;
  /** `tfjs:` image encoders: pixels 0…255 map onto `LOW,HIGH` (e.g. `-1,1`); null: the preset's, else `0,1`. */
  imageRange: string | null;
  /** `tfjs:` image encoders: squash to the input size, or centre-crop; null: squash. */
  imageResize: 'squash' | 'center-crop' | null;
  /** Longest text in tokens (the paper: 128). */
  maxLength: number;
  /** Root of the feature cache, shared by runs. */
  cacheDir: string;
  cacheDtype: 'float32' | 'float16';
  /** Average-pool image patches to this grid in the cache (e.g. 7), or null to keep them. */
  patchGrid: number | null;
  /**
   * Top layers of the text encoder (an `hf:` BERT/RoBERTa/XLM-R model) trained with the fusion
   * model: 0 keeps the encoder frozen (cached last hidden states, as before); k ≥ 1 caches the
   * hidden states entering layer L − k and trains layers L − k … L − 1 and the pooler; null is
   * `all`: the cache holds token ids and the whole encoder, embeddings included, trains.
   */
  finetuneTextLayers: number | null;
  /** With `finetuneTextLayers: all`: keep the word-embedding table frozen (XLM-R / Bernice's 250k-row table does not fit the wasm heap when trained). */
  freezeWordEmbeddings: boolean;
  /**
   * Top layers of the image encoder (an `hf:` ViT) trained with the fusion model: 0 keeps it
   * frozen (cached last hidden states, as the paper); k ≥ 1 caches the hidden states entering
   * layer L − k and trains layers L − k … L − 1 and the final LayerNorm. No `all`.
   */
  finetuneImageLayers: number;
  /** Learning rate of the fine-tuned text layers (the paper's 1e-5). */
  encoderLr: number;
  /** Layer-wise decay of the encoder's learning rate: layer i below the top trains at encoderLr · decay^i (1: one rate). */
  layerDecay: number;
  model: FusionKind;
  /** Fusion width; null for the model's default. */
  hiddenDim: number | null;
  /** Transformer layers of `single-stream`/`dual-stream`; null for the default. */
  layers: number | null;
  /** Attention heads of `single-stream`/`dual-stream`; null for the default. */
  heads: number | null;
  /** Feed-forward width of `single-stream`/`dual-stream`; null for the default (2 × hidden). */
  ffnDim: number | null;
  /** Which vector summarises a modality; null picks `first-token` for two hf encoders, else `pooled`. */
  summary: 'first-token' | 'pooled' | null;
  dropout: number;
  /** Where ITC reads its embeddings: the fusion layers' per-modality parts (so ITC shapes what the classifier reads) or the frozen pooled features. */
  itcSource: 'fusion' | 'pooled';
  /** The auxiliary losses: [] is the base model, ['itc'] +C, ['itm'] +M, both +C+M. */
  aux: AuxLoss[];
  betaItc: number;
  betaItm: number;
  scheme: 'convex' | 'additive';
  itmStrategy: 'random' | 'hard';
  classWeights: 'balanced' | 'none';
  learningRate: number;
  weightDecay: number;
  schedule: 'constant' | 'linear';
  warmupSteps: number;
  epochs: number;
  batchSize: number;
  /**
   * Batches of similar text lengths (Hugging Face's `group_by_length`): less padding per batch,
   * since each batch is padded to its own longest text. Off: plain shuffled batches.
   */
  groupByLength: boolean;
  seed: number;
  /** Stratified subsample of the training split (the low-resource study), or null for all of it. */
  trainSize: number | null;
  backend: (typeof BACKEND_CHOICES)[number];
  /** Threads of the wasm backend; null (the default) for the machine's cores. Results do not depend on it. */
  threads: number | null;
  /** The run directory. */
  out: string;
}

/** What values a setting takes (see {@link checkValue}). */
export type SettingKind =
  | { type: 'string'; nullable?: boolean }
  | { type: 'enum'; values: readonly string[]; nullable?: boolean }
  | { type: 'number'; min?: number; max?: number; integer?: boolean; nullable?: boolean; exclusiveMin?: boolean }
  | { type: 'aux' }
  | { type: 'boolean' };

/** The schema: every key a config file or flag may set. */
export const RUN_SCHEMA: Record<keyof RunConfig, SettingKind> = {
  dataset: { type: 'enum', values: DATASET_CHOICES },
  data: { type: 'string', nullable: true },
  task: { type: 'enum', values: SYNTHETIC_TASK_CHOICES },
  size: { type: 'number', min: 20, integer: true },
  textFile: { type: 'string', nullable: true },
  onBadImage: { type: 'enum', values: ['skip', 'blank'], nullable: true },
  strict: { type: 'boolean' },
  allowEmptyClasses: { type: 'boolean' },
  textEncoder: { type: 'string' },
  imageEncoder: { type: 'string' },
  imagePreset: { type: 'enum', values: IMAGE_PRESET_CHOICES, nullable: true },
  imageSize: { type: 'number', min: 1, integer: true, nullable: true },
  imageRange: { type: 'string', nullable: true },
  imageResize: { type: 'enum', values: ['squash', 'center-crop'], nullable: true },
  maxLength: { type: 'number', min: 1, max: 512, integer: true },
  cacheDir: { type: 'string' },
  cacheDtype: { type: 'enum', values: ['float32', 'float16'] },
  patchGrid: { type: 'number', min: 1, integer: true, nullable: true },
  finetuneTextLayers: { type: 'number', min: 0, integer: true, nullable: true },
  freezeWordEmbeddings: { type: 'boolean' },
  finetuneImageLayers: { type: 'number', min: 0, integer: true },
  encoderLr: { type: 'number', min: 0 },
  layerDecay: { type: 'number', min: 0, max: 1, exclusiveMin: true },
  model: { type: 'enum', values: MODEL_CHOICES },
  hiddenDim: { type: 'number', min: 1, integer: true, nullable: true },
  layers: { type: 'number', min: 1, integer: true, nullable: true },
  heads: { type: 'number', min: 1, integer: true, nullable: true },
  ffnDim: { type: 'number', min: 1, integer: true, nullable: true },
  summary: { type: 'enum', values: ['first-token', 'pooled'], nullable: true },
  dropout: { type: 'number', min: 0, max: 1 },
  itcSource: { type: 'enum', values: ['fusion', 'pooled'] },
  aux: { type: 'aux' },
  betaItc: { type: 'number', min: 0, max: 1 },
  betaItm: { type: 'number', min: 0, max: 1 },
  scheme: { type: 'enum', values: ['convex', 'additive'] },
  itmStrategy: { type: 'enum', values: ['random', 'hard'] },
  classWeights: { type: 'enum', values: ['balanced', 'none'] },
  learningRate: { type: 'number', min: 0, exclusiveMin: true },
  weightDecay: { type: 'number', min: 0 },
  schedule: { type: 'enum', values: ['constant', 'linear'] },
  warmupSteps: { type: 'number', min: 0, integer: true },
  epochs: { type: 'number', min: 1, integer: true },
  batchSize: { type: 'number', min: 1, integer: true },
  groupByLength: { type: 'boolean' },
  seed: { type: 'number', min: 0, max: 2 ** 32 - 1, integer: true },
  trainSize: { type: 'number', min: 1, integer: true, nullable: true },
  backend: { type: 'enum', values: BACKEND_CHOICES },
  threads: { type: 'number', min: 1, integer: true, nullable: true },
  out: { type: 'string' },
};

/** The paper's batch size per data set (`models/config.py`); 16 elsewhere. */
const BATCH_SIZE: Record<DatasetChoice, number> = {
  tir: 8,
  'mvsa-single': 16,
  'mvsa-multiple': 16,
  mhp: 8,
  msd: 16,
  micd: 16,
  manifest: 16,
  synthetic: 16,
};

/**
 * Defaults. On frozen features the paper's learning rate (1e-5, for fine-tuning whole encoders)
 * barely moves the freshly initialised fusion layers in a few epochs; 5e-4 with AdamW trains them
 * in 10–20 epochs on every kind (measured on the synthetic tasks; see the README).
 */
export function defaultRunConfig(dataset: DatasetChoice = 'synthetic'): RunConfig {
  return {
    dataset,
    data: null,
    task: 'relation',
    size: 300,
    textFile: null,
    onBadImage: null,
    strict: false,
    allowEmptyClasses: false,
    textEncoder: 'builtin:text-hash',
    imageEncoder: 'builtin:image-patches',
    imagePreset: null,
    imageSize: null,
    imageRange: null,
    imageResize: null,
    maxLength: 128,
    cacheDir: '.mmaux/features',
    cacheDtype: 'float32',
    patchGrid: null,
    finetuneTextLayers: 0,
    freezeWordEmbeddings: false,
    finetuneImageLayers: 0,
    encoderLr: 1e-5,
    layerDecay: 1,
    model: 'attention',
    hiddenDim: null,
    layers: null,
    heads: null,
    ffnDim: null,
    summary: null,
    dropout: 0.05,
    itcSource: 'fusion',
    aux: [],
    betaItc: 0.1,
    betaItm: 0.1,
    scheme: 'convex',
    itmStrategy: 'random',
    classWeights: 'balanced',
    learningRate: 5e-4,
    weightDecay: 2.5e-4,
    schedule: 'constant',
    warmupSteps: 0,
    epochs: 15,
    batchSize: BATCH_SIZE[dataset],
    groupByLength: false,
    seed: 30,
    trainSize: null,
    backend: 'auto',
    threads: null,
    out: '',
  };
}

/** The paper's name for a set of auxiliary losses. */
export function settingOf(aux: readonly AuxLoss[]): Setting {
  const c = aux.includes('itc');
  const m = aux.includes('itm');
  return c && m ? '+C+M' : c ? '+C' : m ? '+M' : 'base';
}

/** The auxiliary losses of a setting name. */
export function auxOf(setting: Setting): AuxLoss[] {
  return { base: [], '+C': ['itc'], '+M': ['itm'], '+C+M': ['itc', 'itm'] }[setting] as AuxLoss[];
}

export const SETTINGS: readonly Setting[] = ['base', '+C', '+M', '+C+M'];

function fail(where: string, key: string, value: unknown, allowed: string): never {
  throw new MmauxTrainerError('BAD_CONFIG', `${where}: ${key} = ${JSON.stringify(value)} is not valid; ${allowed}.`);
}

/** Checks and converts one value (from a file, or a flag's string) against the schema. */
export function checkValue(where: string, key: string, raw: unknown): unknown {
  const kind = (RUN_SCHEMA as Record<string, SettingKind | undefined>)[key];
  if (kind === undefined) {
    throw new MmauxTrainerError(
      'BAD_CONFIG',
      `${where}: unknown key "${key}"; the keys are ${Object.keys(RUN_SCHEMA).join(', ')}.`,
    );
  }
  if (key === 'finetuneImageLayers' && raw === 'all') {
    throw new MmauxTrainerError('BAD_CONFIG', `${where}: finetuneImageLayers = "all" is not supported: the patch embeddings of a ViT are not trained (the paper keeps the image encoder frozen); give the top k layers (1 … L), or 0.`);
  }
  const fromFlag = typeof raw === 'string';
  switch (kind.type) {
    case 'string':
      if (raw === null && kind.nullable) return null;
      if (typeof raw !== 'string' || raw.length === 0) fail(where, key, raw, 'expected a non-empty string');
      return raw;
    case 'enum':
      if (kind.nullable && (raw === null || raw === 'null' || raw === 'auto')) return null;
      if (typeof raw !== 'string' || !kind.values.includes(raw)) fail(where, key, raw, `allowed: ${kind.values.join(', ')}${kind.nullable ? ' (or auto)' : ''}`);
      return raw;
    case 'number': {
      if (kind.nullable && (raw === null || raw === 'null' || raw === 'all')) return null;
      const n = fromFlag ? Number(raw) : raw;
      const range = `expected ${kind.integer ? 'an integer' : 'a number'}${kind.min !== undefined ? ` ${kind.exclusiveMin ? '>' : '≥'} ${kind.min}` : ''}${kind.max !== undefined ? ` and ≤ ${kind.max}` : ''}${kind.nullable ? ' (or null)' : ''}`;
      if (typeof n !== 'number' || !Number.isFinite(n) || (fromFlag && (raw as string).trim() === '')) fail(where, key, raw, range);
      if (kind.integer && !Number.isInteger(n)) fail(where, key, raw, range);
      if (kind.min !== undefined && (kind.exclusiveMin ? n <= kind.min : n < kind.min)) fail(where, key, raw, range);
      if (kind.max !== undefined && n > kind.max) fail(where, key, raw, range);
      return n;
    }
    case 'boolean':
      if (raw === true || raw === 'true') return true;
      if (raw === false || raw === 'false') return false;
      return fail(where, key, raw, 'expected true or false');
    case 'aux': {
      const list = typeof raw === 'string' ? (raw === '' || raw === 'none' ? [] : raw.split(',').map((s) => s.trim())) : raw;
      if (!Array.isArray(list) || list.some((x) => !AUX_CHOICES.includes(x as AuxLoss))) {
        fail(where, key, raw, `a list of ${AUX_CHOICES.join(', ')} (e.g. itc,itm), or none`);
      }
      return [...new Set(list as AuxLoss[])].sort();
    }
  }
}

/**
 * The resolved configuration of one run: defaults for the data set, then the file's values, then
 * the flags' values (flags win). Checks cross-key rules too (betas, data folder, aux on unimodal).
 */
export function resolveRunConfig(fromFile: Record<string, unknown>, fromFlags: Record<string, unknown>, fileName = 'config'): RunConfig {
  const datasetRaw = fromFlags.dataset ?? fromFile.dataset ?? 'synthetic';
  const dataset = checkValue(fromFlags.dataset !== undefined ? '--dataset' : fileName, 'dataset', datasetRaw) as DatasetChoice;
  const config = defaultRunConfig(dataset) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(fromFile)) config[key] = checkValue(fileName, key, value);
  for (const [key, value] of Object.entries(fromFlags)) {
    if (value !== undefined) config[key] = checkValue(`--${kebab(key)}`, key, value);
  }
  const c = config as unknown as RunConfig;
  if (c.dataset !== 'synthetic' && c.data === null) {
    throw new MmauxTrainerError(
      'BAD_CONFIG',
      `dataset ${c.dataset} needs its folder (or, for manifest, the manifest file): pass --data <path> or set "data" in the config file.`,
    );
  }
  if (c.scheme === 'convex' && (c.aux.includes('itc') ? c.betaItc : 0) + (c.aux.includes('itm') ? c.betaItm : 0) >= 1) {
    throw new MmauxTrainerError('BAD_CONFIG', `betaItc + betaItm must stay below 1 with scheme convex (CE keeps 1 − βitc − βitm); got ${c.betaItc} + ${c.betaItm}.`);
  }
  if ((c.model === 'text-only' || c.model === 'image-only') && c.aux.length > 0) {
    throw new MmauxTrainerError('BAD_CONFIG', `model ${c.model} sees one modality, so aux ${c.aux.join(',')} (image-text losses) cannot apply; use --aux none.`);
  }
  checkImageOptions(c);
  if (c.finetuneTextLayers !== 0) {
    const flag = `--finetune-text-layers ${c.finetuneTextLayers ?? 'all'}`;
    if (!c.textEncoder.startsWith('hf:')) {
      throw new MmauxTrainerError('BAD_CONFIG', `${flag} trains layers of a BERT-family text encoder, built from its model.safetensors: use --text-encoder hf:<hub id or folder> (got ${c.textEncoder}), or --finetune-text-layers 0.`);
    }
    if (c.model === 'image-only') throw new MmauxTrainerError('BAD_CONFIG', `${flag}: model image-only reads no text; use --finetune-text-layers 0.`);
    if (c.finetuneTextLayers === null && c.cacheDtype === 'float16') {
      throw new MmauxTrainerError('BAD_CONFIG', `${flag} caches token ids, which float16 holds exactly only up to 2048; use --cache-dtype float32 (ids take 4 bytes a token).`);
    }
  }
  if (c.freezeWordEmbeddings && c.finetuneTextLayers !== null) {
    throw new MmauxTrainerError('BAD_CONFIG', `--freeze-word-embeddings applies to --finetune-text-layers all (got ${c.finetuneTextLayers}: the embeddings are then frozen anyway); drop it, or use --finetune-text-layers all.`);
  }
  checkImageLayersOptions(c);
  if (c.out === '') c.out = defaultRunDir(c);
  return c;
}

/** `--finetune-image-layers k` trains layers of an `hf:` ViT on every patch of the cache. */
function checkImageLayersOptions(c: RunConfig): void {
  if (c.finetuneImageLayers === 0) return;
  const flag = `--finetune-image-layers ${c.finetuneImageLayers}`;
  if (!c.imageEncoder.startsWith('hf:')) {
    throw new MmauxTrainerError('BAD_CONFIG', `${flag} trains layers of a ViT image encoder, built from its model.safetensors: use --image-encoder hf:<ViT hub id or folder> (got ${c.imageEncoder}), or --finetune-image-layers 0.`);
  }
  if (c.model === 'text-only') throw new MmauxTrainerError('BAD_CONFIG', `${flag}: model text-only reads no image; use --finetune-image-layers 0.`);
  if (c.patchGrid !== null) throw new MmauxTrainerError('BAD_CONFIG', `${flag}: the trained layers attend over every patch, so the cache cannot pool them; drop --patch-grid ${c.patchGrid}.`);
}

/** The `tfjs:` image encoder's options apply to that encoder only; `imageRange` is two numbers. */
function checkImageOptions(c: RunConfig): void {
  const given = (['imagePreset', 'imageSize', 'imageRange', 'imageResize'] as const).filter((k) => c[k] !== null && c[k] !== undefined);
  if (given.length > 0 && !c.imageEncoder.startsWith('tfjs:')) {
    const flags = given.map((k) => `--${kebab(k)}`).join(', ');
    throw new MmauxTrainerError('BAD_CONFIG', `${flags} set the input of a tfjs: image encoder; ${c.imageEncoder} has its own image processor. Drop ${given.length > 1 ? 'them' : 'it'}, or use --image-encoder tfjs:<model.json>.`);
  }
  if (c.imageRange !== null && c.imageRange !== undefined) imageRangeOf(c.imageRange);
}

/** `LOW,HIGH` (e.g. `-1,1`) as two different finite numbers. */
export function imageRangeOf(text: string): [number, number] {
  const parts = text.split(',').map((p) => p.trim());
  const [low, high] = parts.map(Number) as [number, number];
  if (parts.length !== 2 || parts.some((p) => p === '') || !Number.isFinite(low) || !Number.isFinite(high) || low === high) {
    throw new MmauxTrainerError('BAD_CONFIG', `imageRange "${text}" is not LOW,HIGH (two different numbers that pixels 0…255 map onto); give e.g. -1,1 (MobileNet v1/v2), 0,1 (TF Hub) or 0,255.`);
  }
  return [low, high];
}

/** The run's --finetune-text-layers: 0 (frozen; also for a run saved before the setting), k or 'all'. */
export function finetunedTextLayers(config: Partial<Pick<RunConfig, 'finetuneTextLayers'>>): number | 'all' {
  return config.finetuneTextLayers === undefined ? 0 : (config.finetuneTextLayers ?? 'all');
}

/** The run's --finetune-image-layers: 0 (frozen; also for a run saved before the setting) or k. */
export function finetunedImageLayers(config: Partial<Pick<RunConfig, 'finetuneImageLayers'>>): number {
  return config.finetuneImageLayers ?? 0;
}

/** `runs/<dataset>-<model>-<setting>-seed<seed>` (relative to the working directory). */
export function defaultRunDir(c: Pick<RunConfig, 'dataset' | 'task' | 'model' | 'aux' | 'seed' | 'trainSize'>): string {
  const data = c.dataset === 'synthetic' ? `synthetic-${c.task}` : c.dataset;
  const size = c.trainSize === null ? '' : `-n${c.trainSize}`;
  return `runs/${data}-${c.model}-${settingSlug(settingOf(c.aux))}${size}-seed${c.seed}`;
}

/** A setting as a file-name-safe word: base, C, M, CM. */
export function settingSlug(setting: Setting): string {
  return setting === 'base' ? 'base' : setting.replace(/\+/g, '');
}

/** `learningRate` → `learning-rate`. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}

/** The data set's name in results: a paper name, `manifest`, or `synthetic-<task>`. */
export function datasetLabel(c: Pick<RunConfig, 'dataset' | 'task'>): string {
  return c.dataset === 'synthetic' ? `synthetic-${c.task}` : c.dataset;
}
