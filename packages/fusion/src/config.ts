import { DEFAULT_LOGIT_SCALE } from '@mmaux/losses';
import { MmauxFusionError } from './errors.js';
import { checkTextLayersConfig, type TextEncoderLayersConfig } from './text-layers/config.js';
import type { TextEncoderLayers } from './text-layers/text-encoder-layers.js';
import { firstLayerOf, type TrainableTextLayers } from './text-layers/weight-names.js';
import { checkImageLayersConfig, type ImageEncoderLayersConfig } from './image-layers/config.js';
import type { ImageEncoderLayers, ImageLayersPooling } from './image-layers/image-encoder-layers.js';
import { firstImageLayerOf, type TrainableImageLayers } from './image-layers/weight-names.js';

/** The fusion kinds, as `createFusionModel` takes them. */
export const FUSION_KINDS = [
  'text-only',
  'image-only',
  'concat',
  'attention',
  'gmu',
  'single-stream',
  'dual-stream',
] as const;

/**
 * How a model combines text and image features:
 * - `text-only`, `image-only`: unimodal baselines (linear → ReLU on one modality's summary)
 * - `concat`: Ber-ViT-Conc, `[text summary; image summary]` → linear → ReLU
 * - `attention`: Ber-ViT-Att, the text's first token queries the image patches (single-head
 *   scaled dot-product attention), joined with the text summary → linear → ReLU
 * - `gmu`: gated multimodal unit (Arevalo et al. 2017)
 * - `single-stream`: MMBT/ViLT-like transformer over `[CLS, text, SEP, image]`
 * - `dual-stream`: LXMERT-like cross-modal layers between a text and an image stream
 */
export type FusionKind = (typeof FUSION_KINDS)[number];

/** Options of {@link createFusionModel}; everything but the dimensions and the seed has a default. */
export interface FusionModelOptions {
  /** Width of the text features (`tokens` and `pooled`), e.g. 768 for BERT/Bernice. */
  textDim: number;
  /** Width of the image features (`patches` and `pooled`), e.g. 768 for ViT, 2048 for ResNet. */
  imageDim: number;
  /** Number of classes of the main task (≥ 2). */
  numClasses: number;
  /** Seed of every initial weight and of the default dropout generator. */
  seed: number;
  /**
   * Width of the fused representation. @defaultValue 768 (the paper's fusion layer) for
   * `text-only`, `image-only`, `concat`, `attention`, `gmu`; 128 for `single-stream` and
   * `dual-stream` (trained from scratch on frozen features, sized so that a step costs a few
   * times an `attention` step; see the README for the measured cost and the paper-size settings)
   */
  hiddenDim?: number;
  /** Width of the shared ITC space. @defaultValue 512 (the paper's dual encoder) */
  projectionDim?: number;
  /** Dropout before the classifier. @defaultValue 0.05 (the paper's `--dropout`) */
  dropout?: number;
  /**
   * Which vector summarises a modality for the non-transformer kinds: the first token/patch
   * (`tokens[:, 0]`, `patches[:, 0]`: the `<s>`/CLS of the last hidden state, what the paper's
   * Ber-ViT models read) or `pooled`. Use `'pooled'` for CNN grids, which have no CLS patch.
   * @defaultValue 'first-token'
   */
  summary?: 'first-token' | 'pooled';
  /** Transformer layers (`single-stream`, `dual-stream`: cross-modal layers). @defaultValue 1 */
  layers?: number;
  /**
   * Attention heads; must divide `hiddenDim`. Heads of a width that is a multiple of 16 run on
   * the fused head kernels on wasm. @defaultValue 4
   */
  heads?: number;
  /** Feed-forward width of the transformer layers. @defaultValue 2 × hiddenDim (BERT's 4× for paper-size models: pass it) */
  ffnDim?: number;
  /** Dropout inside the transformer layers (embeddings and residual branches). @defaultValue 0.1 */
  transformerDropout?: number;
  /** Longest text (tokens, without the added CLS/SEP) the position table covers. @defaultValue 128 */
  maxTextLength?: number;
  /** Most image tokens the position table covers. @defaultValue 197 (ViT-B/16 at 224 px) */
  maxImageTokens?: number;
  /**
   * Where the ITC embeddings come from. `'fusion'` projects each modality's trainable part of
   * the fusion layers, so ITC shapes what the classifier reads: the transformer's text output
   * (first position) and image output (mean over image positions), as the paper's ViLT and
   * LXMERT; `concat`: `W_t·t` and `W_v·v`, each modality's share of the fusion layer; `attention`:
   * the text's query and the mean of its image's keys (aligned before they meet); `gmu`: the
   * text and image units `h_t`, `h_v`. `'pooled'` projects the frozen `text.pooled` and
   * `image.pooled`, as the paper's Ber-ViT dual encoder — which reached the classifier only
   * because the paper fine-tunes the text encoder; on frozen features it trains nothing the
   * classifier uses (+C then equals base).
   * @defaultValue 'fusion'
   */
  itcSource?: 'pooled' | 'fusion';
  /** Initial ITC log inverse temperature. @defaultValue `ln(1/0.07)` ≈ 2.6593 */
  logitScale?: number;
  /**
   * The text encoder's top layers, trained with the model (issue 13): the model takes the stack
   * over (it holds, saves, loads and disposes it), reads the hidden state entering layer `L − k`
   * (or token ids for `'all'`) as its text input and feeds the stack's output tokens and pooled
   * vector to the fusion layers, so gradients reach the encoder's weights. `textDim` must be
   * the encoder's hidden size. @defaultValue none: frozen text features, as before
   */
  textLayers?: TextEncoderLayers;
  /**
   * The image encoder's top layers (a ViT's), trained with the model, as `textLayers` for the
   * text: the model takes the stack over, reads the hidden state entering layer `L − k` as
   * `image.patches` (or `{ hidden }`) and feeds the stack's last hidden state and pooled vector to
   * the fusion layers as the patches and pooled features. `imageDim` must be the ViT's hidden
   * size. @defaultValue none: frozen image features, as before
   */
  imageLayers?: ImageEncoderLayers;
}

/** What `model.json` records of a model's text encoder layers (the weights go in `weights.bin` under their HF names). */
export interface FusionTextLayersConfig {
  /** The encoder's shape. */
  encoder: TextEncoderLayersConfig;
  /** k or `'all'`. */
  trainableLayers: TrainableTextLayers;
  /** Whether the stack holds the pooler. */
  pooler: boolean;
  /** Whether the word table is held constant (`'all'` only). */
  freezeWordEmbeddings: boolean;
}

/** What `model.json` records of a model's image encoder layers (the weights go in `weights.bin` under their `vit.` names). */
export interface FusionImageLayersConfig {
  /** The ViT's shape. */
  encoder: ImageEncoderLayersConfig;
  /** k. */
  trainableLayers: TrainableImageLayers;
  /** How the pooled image vector is made. */
  pooling: ImageLayersPooling;
}

/** A model's complete configuration, every default filled in; what `model.json` stores. */
export interface FusionConfig {
  kind: FusionKind;
  textDim: number;
  imageDim: number;
  numClasses: number;
  seed: number;
  hiddenDim: number;
  projectionDim: number;
  dropout: number;
  summary: 'first-token' | 'pooled';
  layers: number;
  heads: number;
  ffnDim: number;
  transformerDropout: number;
  maxTextLength: number;
  maxImageTokens: number;
  itcSource: 'pooled' | 'fusion';
  logitScale: number;
  /** The text encoder layers the model owns; absent for a model on frozen text features. */
  textLayers?: FusionTextLayersConfig;
  /** The image encoder layers the model owns; absent for a model on frozen image features. */
  imageLayers?: FusionImageLayersConfig;
}

export function isTransformerKind(kind: FusionKind): boolean {
  return kind === 'single-stream' || kind === 'dual-stream';
}

export function isUnimodalKind(kind: FusionKind): boolean {
  return kind === 'text-only' || kind === 'image-only';
}

function positiveInt(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: ${name} must be a positive integer, got ${String(v)}.`);
  }
  return v;
}

function rate(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: ${name} must be in [0, 1), got ${String(v)}.`);
  }
  return v;
}

/** Validates a kind and options and fills in the defaults. */
export function resolveConfig(fn: string, kind: unknown, options: FusionModelOptions): FusionConfig {
  if (typeof kind !== 'string' || !(FUSION_KINDS as readonly string[]).includes(kind)) {
    throw new MmauxFusionError(
      'INVALID_KIND',
      `${fn}: unknown fusion kind ${JSON.stringify(kind)}; use one of ${FUSION_KINDS.map((k) => `'${k}'`).join(', ')}.`,
    );
  }
  const k = kind as FusionKind;
  if (options === null || typeof options !== 'object') {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: options { textDim, imageDim, numClasses, seed } are required.`);
  }
  const transformer = isTransformerKind(k);
  const seed = options.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: seed must be an integer (it fixes every initial weight), got ${String(seed)}.`);
  }
  const numClasses = positiveInt(fn, 'numClasses', options.numClasses);
  if (numClasses < 2) throw new MmauxFusionError('INVALID_OPTION', `${fn}: numClasses must be at least 2, got ${numClasses}.`);
  const hiddenDim = positiveInt(fn, 'hiddenDim', options.hiddenDim ?? (transformer ? 128 : 768));
  const heads = positiveInt(fn, 'heads', options.heads ?? 4);
  if (transformer && hiddenDim % heads !== 0) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: heads (${heads}) must divide hiddenDim (${hiddenDim}).`);
  }
  const summary = options.summary ?? 'first-token';
  if (summary !== 'first-token' && summary !== 'pooled') {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: summary must be 'first-token' or 'pooled', got ${JSON.stringify(summary)}.`);
  }
  const itcSource = options.itcSource ?? 'fusion';
  if (itcSource !== 'pooled' && itcSource !== 'fusion') {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: itcSource must be 'pooled' or 'fusion', got ${JSON.stringify(itcSource)}.`);
  }
  const logitScale = options.logitScale ?? DEFAULT_LOGIT_SCALE;
  if (typeof logitScale !== 'number' || !Number.isFinite(logitScale)) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: logitScale must be a finite number, got ${String(logitScale)}.`);
  }
  const textDim = positiveInt(fn, 'textDim', options.textDim);
  const config: FusionConfig = {
    kind: k,
    textDim,
    imageDim: positiveInt(fn, 'imageDim', options.imageDim),
    numClasses,
    seed,
    hiddenDim,
    projectionDim: positiveInt(fn, 'projectionDim', options.projectionDim ?? 512),
    dropout: rate(fn, 'dropout', options.dropout ?? 0.05),
    summary,
    layers: positiveInt(fn, 'layers', options.layers ?? 1),
    heads,
    ffnDim: positiveInt(fn, 'ffnDim', options.ffnDim ?? 2 * hiddenDim),
    transformerDropout: rate(fn, 'transformerDropout', options.transformerDropout ?? 0.1),
    maxTextLength: positiveInt(fn, 'maxTextLength', options.maxTextLength ?? 128),
    maxImageTokens: positiveInt(fn, 'maxImageTokens', options.maxImageTokens ?? 197),
    itcSource,
    logitScale,
  };
  if (options.textLayers !== undefined) config.textLayers = describeTextLayers(fn, k, textDim, options.textLayers);
  if (options.imageLayers !== undefined) config.imageLayers = describeImageLayers(fn, k, config.imageDim, options.imageLayers);
  return config;
}

/** The record of a {@link TextEncoderLayers} a model takes over; checks that it fits the model. */
function describeTextLayers(fn: string, kind: FusionKind, textDim: number, layers: TextEncoderLayers): FusionTextLayersConfig {
  const ok = layers !== null && typeof layers === 'object' && typeof (layers as { namedWeights?: unknown }).namedWeights === 'function';
  if (!ok) throw new MmauxFusionError('INVALID_OPTION', `${fn}: textLayers must be a TextEncoderLayers (new TextEncoderLayers(config, { trainableLayers, weights })), got ${String(layers)}.`);
  if (kind === 'image-only') throw new MmauxFusionError('INVALID_OPTION', `${fn}: an 'image-only' model reads no text, so it cannot train text encoder layers; leave textLayers out.`);
  if (layers.config.hiddenSize !== textDim) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: textDim (${textDim}) must be the text encoder's hidden size (${layers.config.hiddenSize}), which its layers output.`);
  }
  return checkTextLayersRecord(fn, { encoder: layers.config, trainableLayers: layers.trainableLayers, pooler: layers.hasPooler, freezeWordEmbeddings: layers.namedWeights().some((w) => !w.variable.trainable) });
}

/** Validates a {@link FusionTextLayersConfig} (from `model.json`); returns a copy. */
export function checkTextLayersRecord(fn: string, record: FusionTextLayersConfig): FusionTextLayersConfig {
  if (record === null || typeof record !== 'object') throw new MmauxFusionError('INVALID_OPTION', `${fn}: textLayers must be { encoder, trainableLayers, pooler, freezeWordEmbeddings }, got ${String(record)}.`);
  const encoder = checkTextLayersConfig(fn, record.encoder);
  firstLayerOf(fn, encoder, record.trainableLayers);
  return { encoder: { ...encoder }, trainableLayers: record.trainableLayers, pooler: record.pooler !== false, freezeWordEmbeddings: record.freezeWordEmbeddings === true };
}

/** The record of an {@link ImageEncoderLayers} a model takes over; checks that it fits the model. */
function describeImageLayers(fn: string, kind: FusionKind, imageDim: number, layers: ImageEncoderLayers): FusionImageLayersConfig {
  const ok = layers !== null && typeof layers === 'object' && typeof (layers as { namedWeights?: unknown }).namedWeights === 'function' && (layers as { config?: { architecture?: unknown } }).config?.architecture === 'vit';
  if (!ok) throw new MmauxFusionError('INVALID_OPTION', `${fn}: imageLayers must be an ImageEncoderLayers (new ImageEncoderLayers(config, { trainableLayers, weights })), got ${String(layers)}.`);
  if (kind === 'text-only') throw new MmauxFusionError('INVALID_OPTION', `${fn}: a 'text-only' model reads no image, so it cannot train image encoder layers; leave imageLayers out.`);
  if (layers.hasEmbeddings) throw new MmauxFusionError('UNSUPPORTED', `${fn}: imageLayers with trainableLayers 'all' read pixels, which a fusion model does not take; give the top k layers (k ≤ ${layers.config.numLayers}).`);
  if (!layers.hasFinalNorm) throw new MmauxFusionError('INVALID_OPTION', `${fn}: imageLayers must end with the final LayerNorm (finalNorm: true), so that the fusion layers read the ViT's last_hidden_state.`);
  if (layers.config.hiddenSize !== imageDim) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: imageDim (${imageDim}) must be the image encoder's hidden size (${layers.config.hiddenSize}), which its layers output.`);
  }
  return checkImageLayersRecord(fn, { encoder: layers.config, trainableLayers: layers.trainableLayers, pooling: layers.pooling });
}

/** Validates a {@link FusionImageLayersConfig} (from `model.json`); returns a copy. */
export function checkImageLayersRecord(fn: string, record: FusionImageLayersConfig): FusionImageLayersConfig {
  if (record === null || typeof record !== 'object') throw new MmauxFusionError('INVALID_OPTION', `${fn}: imageLayers must be { encoder, trainableLayers, pooling }, got ${String(record)}.`);
  const encoder = checkImageLayersConfig(fn, record.encoder);
  if (record.trainableLayers === 'all') throw new MmauxFusionError('UNSUPPORTED', `${fn}: imageLayers trainableLayers 'all' is not supported in a fusion model; give k ≤ ${encoder.numLayers}.`);
  firstImageLayerOf(fn, encoder, record.trainableLayers);
  if (!['pooler', 'first', 'mean'].includes(record.pooling)) throw new MmauxFusionError('INVALID_OPTION', `${fn}: imageLayers.pooling must be 'pooler', 'first' or 'mean', got ${JSON.stringify(record.pooling)}.`);
  return { encoder: { ...encoder }, trainableLayers: record.trainableLayers, pooling: record.pooling };
}
