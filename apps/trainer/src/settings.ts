// The run settings as people read them: one row per config key with its flag, group, value,
// one-line description, default and allowed forms. What is valid comes from RUN_SCHEMA and the
// defaults from resolveRunConfig / defaultRunConfig, the code that checks and fills a run's
// config, so `mmaux train --help`, the README's table and validation cannot disagree.
import { DATASET_CHOICES, type DatasetChoice, defaultRunConfig, kebab, resolveRunConfig, RUN_SCHEMA, type RunConfig, type SettingKind } from './config.js';

/** The groups of `mmaux train --help` and of the README's settings table, in that order. */
export const SETTING_GROUPS = ['data', 'encoders', 'model', 'losses', 'optimisation', 'run'] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

/** What a person needs to know about one setting beyond its kind and default. */
interface SettingDoc {
  group: SettingGroup;
  /** The value's name in the usage line (PATH, SPEC, N); without it: N/X for numbers, the values joined by `|` for an enum. */
  value?: string;
  /** One line: what the setting does. */
  description: string;
  /** What a null default means (the rule applied instead of a value). */
  whenNull?: string;
  /** The flag word that sets null (`checkValue` takes `null`, and `auto` for an enum, `all` for a number). */
  nullWord?: 'null' | 'auto' | 'all';
  /** The forms a free string takes (encoder specs). */
  forms?: readonly string[];
}

/** A piece of text that is either a literal value (code in Markdown) or prose. */
export interface TextPart {
  text: string;
  literal: boolean;
}

/** One setting, everything `--help` and the README show. */
export interface SettingRow {
  /** The config-file key (camelCase). */
  key: keyof RunConfig;
  /** `--kebab-case`. */
  flag: string;
  group: SettingGroup;
  /** The value after the flag (`PATH`, `N`, `skip|blank|auto`); null for a bare flag. */
  value: string | null;
  description: string;
  /**
   * The default as a flag gives it (`16`, `none`, `auto`; null when there is no such word), what a
   * null default means, and the data sets that have their own.
   */
  default: { value: string | null; meaning: string | null; perDataset: { datasets: DatasetChoice[]; value: string }[] };
  /** What the value may be; empty when the value (or being a bare flag) says it all. */
  allowed: TextPart[];
}

const ENCODER_FORMS = {
  hf: 'hf:<hub id or model folder>',
  tfjs: 'tfjs:<model.json path or URL>[#node]',
};

/** Per key, in display order within each group. */
const SETTING_DOCS: Record<keyof RunConfig, SettingDoc> = {
  dataset: { group: 'data', value: 'NAME', description: 'a paper data set, manifest (your own CSV/JSONL) or synthetic (generated offline)' },
  data: {
    group: 'data',
    value: 'PATH',
    description: "the data set's folder, or the manifest file; for synthetic, where it is generated",
    whenNull: 'none; synthetic is generated beside the feature cache, every other data set needs it',
  },
  task: { group: 'data', value: 'NAME', description: 'synthetic only: relation (TIR-like), sentiment (MVSA-like) or sarcasm (MSD-like)' },
  size: { group: 'data', description: 'synthetic only: how many posts' },
  textFile: { group: 'data', value: 'FILE', description: "micd only: the rehydrated texts (JSONL or CSV of id, text)", whenNull: 'none' },
  onBadImage: {
    group: 'data',
    description: 'a post whose image is missing, outside the data folder or undecodable: left out, or kept with a blank image (listed either way)',
    whenNull: "the data set's rule: skip; blank for micd",
    nullWord: 'auto',
  },
  strict: { group: 'data', description: 'stop at the first bad row or image (exit 3) instead of leaving the post out' },
  allowEmptyClasses: { group: 'data', description: 'a class without a training post is a warning instead of an error' },
  trainSize: { group: 'data', description: 'stratified subsample of the training split (the low-resource study)', whenNull: 'the whole training split', nullWord: 'all' },

  textEncoder: {
    group: 'encoders',
    value: 'SPEC',
    description: 'the text encoder: built-in hashed n-grams (offline), a transformers.js model or a TF.js graph model',
    forms: ['builtin:text-hash', ENCODER_FORMS.hf, ENCODER_FORMS.tfjs],
  },
  imageEncoder: {
    group: 'encoders',
    value: 'SPEC',
    description: 'the image encoder: built-in pixel patches (offline), a transformers.js model or a TF.js graph model',
    forms: ['builtin:image-patches', ENCODER_FORMS.hf, ENCODER_FORMS.tfjs],
  },
  imagePreset: {
    group: 'encoders',
    value: 'NAME',
    description: "tfjs: image encoders: the model family's input size and pixel range (mobilenet-v1/v2: 224, [-1, 1]; inception-v3: 299; tfhub: [0, 1])",
    whenNull: "the model's input size (224 when it fixes none), range 0,1",
    nullWord: 'null',
  },
  imageSize: { group: 'encoders', description: 'tfjs: image encoders: square input side in pixels, for models that fix none', whenNull: "the model's, else the preset's, else 224", nullWord: 'null' },
  imageRange: { group: 'encoders', value: 'LOW,HIGH', description: 'tfjs: image encoders: pixels 0…255 map linearly onto LOW…HIGH (-1,1 · 0,1 · 0,255)', whenNull: "the preset's, else 0,1" },
  imageResize: { group: 'encoders', description: 'tfjs: image encoders: squash to the input size (as tfjs-models do) or centre-crop the shorter side', whenNull: 'squash', nullWord: 'null' },
  maxLength: { group: 'encoders', description: 'longest text in tokens; longer texts are cut (the paper: 128)' },
  cacheDir: { group: 'encoders', value: 'DIR', description: 'root of the feature cache, shared by runs' },
  cacheDtype: { group: 'encoders', description: 'how cached features are stored; float16 halves the cache' },
  patchGrid: { group: 'encoders', description: 'average-pool image patches to an N×N grid in the cache (e.g. 7)', whenNull: 'every patch kept', nullWord: 'null' },
  finetuneTextLayers: {
    group: 'encoders',
    description: 'top layers of an hf: text encoder trained with the model (0: frozen; the cache holds the hidden states entering layer L − k)',
    whenNull: 'the whole encoder, embeddings included (the cache holds token ids)',
    nullWord: 'all',
  },
  freezeWordEmbeddings: { group: 'encoders', description: 'with --finetune-text-layers all: keep the word-embedding table frozen (needed for XLM-R/Bernice on wasm: the trained 250k-row table overflows its 4 GiB heap)' },
  finetuneImageLayers: {
    group: 'encoders',
    description: 'top layers of an hf: ViT image encoder trained with the model (0: frozen, as the paper; the cache holds the hidden states entering layer L − k; no all)',
  },
  encoderLr: { group: 'optimisation', description: 'AdamW learning rate of the fine-tuned text and image layers (the paper: 1e-5)' },
  layerDecay: { group: 'optimisation', description: 'layer-wise decay of the encoder learning rate: each layer below the top trains at decay × the one above' },

  model: { group: 'model', value: 'KIND', description: 'the fusion model (Ber-ViT-Conc is concat, Ber-ViT-Att attention)' },
  hiddenDim: { group: 'model', description: 'fusion width', whenNull: "the model's own", nullWord: 'null' },
  layers: { group: 'model', description: 'transformer layers of single-stream and dual-stream', whenNull: "the model's own", nullWord: 'null' },
  heads: { group: 'model', description: 'attention heads of single-stream and dual-stream', whenNull: "the model's own", nullWord: 'null' },
  ffnDim: { group: 'model', description: 'feed-forward width of single-stream and dual-stream', whenNull: '2 × the hidden width', nullWord: 'null' },
  summary: {
    group: 'model',
    description: 'the vector that stands for a modality: its first token or its pooled vector',
    whenNull: 'first-token with two hf: encoders, else pooled',
    nullWord: 'auto',
  },
  dropout: { group: 'model', description: 'dropout rate of the fusion layers' },

  aux: { group: 'losses', value: 'itc,itm|itc|itm|none', description: 'the auxiliary losses: none is the base model, itc +C, itm +M, itc,itm +C+M' },
  betaItc: { group: 'losses', description: 'weight βitc of ITC in the joint loss' },
  betaItm: { group: 'losses', description: 'weight βitm of ITM in the joint loss' },
  scheme: { group: 'losses', description: 'convex: (1 − βitc − βitm)·CE + βitc·ITC + βitm·ITM; additive: CE + βitc·ITC + βitm·ITM' },
  itmStrategy: { group: 'losses', description: "ITM's swapped texts: any other post's, or hard ones drawn by text-image similarity" },
  itcSource: { group: 'losses', description: "ITC's embeddings: the fusion layers' per-modality parts, or the frozen pooled features" },
  classWeights: { group: 'losses', description: 'CE class weights: balanced (n / (classes · count)) or none' },

  learningRate: { group: 'optimisation', description: 'AdamW learning rate' },
  weightDecay: { group: 'optimisation', description: 'AdamW weight decay' },
  schedule: { group: 'optimisation', description: 'learning rate: constant, or linear warm-up then linear decay to 0' },
  warmupSteps: { group: 'optimisation', description: 'linear schedule only: steps of warm-up' },
  epochs: { group: 'optimisation', description: 'passes over the training split; the epoch with the best validation macro-F1 is kept' },
  batchSize: { group: 'optimisation', description: "posts per batch (the paper's, per data set)" },
  groupByLength: { group: 'optimisation', description: 'batches of similar text lengths (less padding), in shuffled order' },

  seed: { group: 'run', description: 'seed of initialisation, shuffling, ITM pairs and dropout (data splits use a fixed seed)' },
  backend: { group: 'run', value: 'NAME', description: 'TensorFlow.js backend; auto takes the first that loads of tensorflow-gpu, tensorflow, wasm, cpu' },
  threads: {
    group: 'run',
    description: 'threads of the wasm backend; results do not depend on it',
    whenNull: "1 for the late-fusion kinds, the machine's cores for single-stream and dual-stream",
    nullWord: 'null',
  },
  out: { group: 'run', value: 'DIR', description: 'the run directory; by default named after the data set, model, aux, training size and seed' },
};

/** A value as a flag gives it: lists comma-joined (`none` when empty), numbers as JavaScript prints them. */
function flagForm(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(',');
  return String(value);
}

function isTrivialNumber(kind: SettingKind): boolean {
  return kind.type === 'number' && kind.integer === true && kind.min === 1 && kind.max === undefined && !kind.nullable;
}

function numberRange(kind: Extract<SettingKind, { type: 'number' }>): string {
  const what = kind.integer ? 'integer' : 'number';
  if (kind.min !== undefined && kind.max !== undefined) return `${what} ${kind.min}–${kind.max}`;
  if (kind.min !== undefined) return `${what} ${kind.exclusiveMin ? '>' : '≥'} ${kind.min}`;
  if (kind.max !== undefined) return `${what} ≤ ${kind.max}`;
  return what;
}

function allowedOf(kind: SettingKind, doc: SettingDoc, value: string | null): TextPart[] {
  const literals = (xs: readonly string[]): TextPart[] => xs.map((text) => ({ text, literal: true }));
  const orNull = doc.nullWord !== undefined ? [{ text: doc.nullWord, literal: true }] : [];
  switch (kind.type) {
    case 'enum': {
      const values = [...kind.values, ...(kind.nullable ? orNull.map((p) => p.text) : [])];
      return value === values.join('|') ? [] : literals(values);
    }
    case 'number':
      return isTrivialNumber(kind) ? [] : [{ text: numberRange(kind), literal: false }, ...orNull];
    case 'string':
      return literals(doc.forms ?? []);
    case 'aux':
    case 'boolean':
      return [];
  }
}

function valueOf(kind: SettingKind, doc: SettingDoc): string | null {
  if (doc.value !== undefined) return doc.value;
  if (kind.type === 'boolean') return null;
  if (kind.type === 'number') return kind.integer ? 'N' : 'X';
  if (kind.type === 'enum') return [...kind.values, ...(kind.nullable && doc.nullWord !== undefined ? [doc.nullWord] : [])].join('|');
  return 'VALUE';
}

/** The data sets whose own default of `key` differs from synthetic's (the default data set), by value. */
function perDatasetDefaults(key: keyof RunConfig): { datasets: DatasetChoice[]; value: string }[] {
  if (key === 'dataset') return [];
  const base = flagForm(defaultRunConfig()[key]);
  const groups = new Map<string, DatasetChoice[]>();
  for (const dataset of DATASET_CHOICES) {
    const v = flagForm(defaultRunConfig(dataset)[key]);
    if (v !== base) groups.set(v, [...(groups.get(v) ?? []), dataset]);
  }
  return [...groups].map(([value, datasets]) => ({ datasets, value }));
}

/**
 * Every run setting, grouped (data, encoders, model, losses, optimisation, run) and in display
 * order. The defaults are those of a run given no setting (`resolveRunConfig({}, {})`), with each
 * data set's own where it has one.
 */
export function runSettingRows(): SettingRow[] {
  const resolved = resolveRunConfig({}, {}) as unknown as Record<string, unknown>;
  const rows = (Object.keys(SETTING_DOCS) as (keyof RunConfig)[]).map((key): SettingRow => {
    const doc = SETTING_DOCS[key];
    const kind = RUN_SCHEMA[key];
    const raw = resolved[key];
    const value = valueOf(kind, doc);
    return {
      key,
      flag: `--${kebab(key)}`,
      group: doc.group,
      value,
      description: doc.description,
      default: {
        value: raw === null ? (doc.nullWord ?? null) : flagForm(raw),
        meaning: raw === null ? (doc.whenNull ?? null) : null,
        perDataset: perDatasetDefaults(key),
      },
      allowed: allowedOf(kind, doc, value),
    };
  });
  return SETTING_GROUPS.flatMap((g) => rows.filter((r) => r.group === g));
}
