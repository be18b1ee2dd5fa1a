import { MmauxFusionError } from '../errors.js';
import { fail, fraction, HF_ACTIVATIONS, integer, positive } from '../hf-config-checks.js';
import type { TextEncoderActivation, TextEncoderLayersConfig } from '../text-layers/config.js';

/** The shape of a ViT image encoder (HF's `ViTModel`), as {@link imageLayersConfigFromHf} reads it from `config.json`. */
export interface ImageEncoderLayersConfig {
  /** `vit` (the one family implemented: pre-LN layers, CLS token, learned absolute positions). */
  architecture: 'vit';
  /** H, `hidden_size` (768 for ViT-B). */
  hiddenSize: number;
  /** Attention heads, `num_attention_heads`; divides H. */
  numHeads: number;
  /** FFN width, `intermediate_size` (3072). */
  intermediateSize: number;
  /** L, `num_hidden_layers` (12). */
  numLayers: number;
  /** `layer_norm_eps` (1e-12 for the google/vit checkpoints). */
  layerNormEps: number;
  /** `hidden_act`: exact erf GELU (`gelu`) or its tanh approximation. */
  hiddenAct: TextEncoderActivation;
  /** `image_size`: the square input side in pixels (224). */
  imageSize: number;
  /** `patch_size` (16): patches of `patchSize × patchSize` pixels, `(imageSize / patchSize)²` of them. */
  patchSize: number;
  /** `num_channels` (3). */
  numChannels: number;
  /** `hidden_dropout_prob` (ViT: 0): after the embeddings and each sub-layer's output projection. */
  hiddenDropout: number;
  /** `attention_probs_dropout_prob` (ViT: 0): on the attention weights. */
  attentionDropout: number;
  /** `initializer_range`: std of the normal initial values of weights a checkpoint lacks. */
  initializerRange: number;
}

/** HF's `ViTConfig` defaults for fields a `config.json` leaves out. */
const VIT_DEFAULTS: Record<string, number | string | boolean> = {
  hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, hidden_act: 'gelu',
  hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, initializer_range: 0.02, layer_norm_eps: 1e-12,
  image_size: 224, patch_size: 16, num_channels: 3, qkv_bias: true, pooler_act: 'tanh',
};

/** @internal Validates a config (from {@link imageLayersConfigFromHf} or written by hand); returns a frozen copy. */
export function checkImageLayersConfig(fn: string, config: ImageEncoderLayersConfig): ImageEncoderLayersConfig {
  if (config === null || typeof config !== 'object') fail(fn, `config must be an object, got ${String(config)}.`);
  if (config.architecture !== 'vit') fail(fn, `architecture must be 'vit', got ${JSON.stringify(config.architecture)}.`);
  if (config.hiddenAct !== 'gelu' && config.hiddenAct !== 'gelu_tanh') fail(fn, `hiddenAct must be 'gelu' or 'gelu_tanh', got ${JSON.stringify(config.hiddenAct)}.`);
  const hiddenSize = integer(fn, 'hiddenSize', config.hiddenSize, 1);
  const numHeads = integer(fn, 'numHeads', config.numHeads, 1);
  if (hiddenSize % numHeads !== 0) fail(fn, `numHeads (${numHeads}) must divide hiddenSize (${hiddenSize}).`);
  const imageSize = integer(fn, 'imageSize', config.imageSize, 1);
  const patchSize = integer(fn, 'patchSize', config.patchSize, 1);
  if (imageSize % patchSize !== 0) fail(fn, `patchSize (${patchSize}) must divide imageSize (${imageSize}).`);
  return Object.freeze({
    architecture: 'vit',
    hiddenSize,
    numHeads,
    intermediateSize: integer(fn, 'intermediateSize', config.intermediateSize, 1),
    numLayers: integer(fn, 'numLayers', config.numLayers, 1),
    layerNormEps: positive(fn, 'layerNormEps', config.layerNormEps),
    hiddenAct: config.hiddenAct,
    imageSize,
    patchSize,
    numChannels: integer(fn, 'numChannels', config.numChannels, 1),
    hiddenDropout: fraction(fn, 'hiddenDropout', config.hiddenDropout),
    attentionDropout: fraction(fn, 'attentionDropout', config.attentionDropout),
    initializerRange: positive(fn, 'initializerRange', config.initializerRange),
  });
}

/** Tokens a ViT of `config` sees: the CLS token and `(imageSize / patchSize)²` patches. */
export function imageTokensOf(config: ImageEncoderLayersConfig): number {
  const grid = config.imageSize / config.patchSize;
  return 1 + grid * grid;
}

/**
 * @internal The text-layer kernels' view of a ViT's shape (the layer pieces both stacks share —
 * projections, attention core, feed-forward — read the widths, activation and dropout from a
 * {@link TextEncoderLayersConfig}); the vocabulary fields are unused placeholders.
 */
export function textKernelConfig(config: ImageEncoderLayersConfig): TextEncoderLayersConfig {
  return {
    architecture: 'bert',
    hiddenSize: config.hiddenSize,
    numHeads: config.numHeads,
    intermediateSize: config.intermediateSize,
    numLayers: config.numLayers,
    layerNormEps: config.layerNormEps,
    hiddenAct: config.hiddenAct,
    vocabSize: 1,
    maxPositions: imageTokensOf(config),
    typeVocabSize: 1,
    padTokenId: 0,
    hiddenDropout: config.hiddenDropout,
    attentionDropout: config.attentionDropout,
    initializerRange: config.initializerRange,
  };
}

/**
 * Reads a Hugging Face `config.json` of a ViT (as a plain object, e.g.
 * `loadHfEncoderWeights(...).config` from `@mmaux/encoders`) into an
 * {@link ImageEncoderLayersConfig}. Fields the file leaves out take the defaults of HF's
 * `ViTConfig`, as `transformers` would.
 *
 * @param config - the parsed `config.json`; `model_type` must be `vit`
 * @returns the validated layer-stack configuration
 * @throws MmauxFusionError `UNSUPPORTED` for another model type (DeiT, BEiT, CLIP, a CNN), another
 *   activation, `qkv_bias: false`, or a pooler other than HF's default `tanh` dense of width H;
 *   `INVALID_OPTION` for a field out of range
 *
 * @example
 * ```ts
 * const config = imageLayersConfigFromHf({
 *   model_type: 'vit', hidden_size: 32, num_attention_heads: 2, intermediate_size: 64,
 *   num_hidden_layers: 2, image_size: 32, patch_size: 8,
 * });
 * config.architecture; // "vit"
 * config.layerNormEps; // 1e-12
 * config.hiddenDropout; // 0
 * ```
 */
export function imageLayersConfigFromHf(config: Record<string, unknown>): ImageEncoderLayersConfig {
  const fn = 'imageLayersConfigFromHf';
  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail(fn, `config must be the parsed config.json object, got ${String(config)}.`);
  if (config.model_type !== 'vit') {
    throw new MmauxFusionError(
      'UNSUPPORTED',
      `${fn}: model_type ${JSON.stringify(config.model_type)} is not a ViT; trainable image encoder layers implement HF's ViTModel only (model_type "vit", e.g. google/vit-base-patch16-224-in21k).`,
    );
  }
  const field = (name: string): unknown => (config[name] === undefined || config[name] === null ? VIT_DEFAULTS[name] : config[name]);
  const act = HF_ACTIVATIONS[String(field('hidden_act'))];
  if (act === undefined) {
    throw new MmauxFusionError('UNSUPPORTED', `${fn}: hidden_act ${JSON.stringify(field('hidden_act'))} is not supported; use one of ${Object.keys(HF_ACTIVATIONS).join(', ')}.`);
  }
  if (field('qkv_bias') !== true) throw new MmauxFusionError('UNSUPPORTED', `${fn}: qkv_bias ${JSON.stringify(field('qkv_bias'))} is not supported; the query, key and value projections must have biases (HF's default).`);
  const poolerSize = config.pooler_output_size ?? field('hidden_size');
  if (field('pooler_act') !== 'tanh' || poolerSize !== field('hidden_size')) {
    throw new MmauxFusionError('UNSUPPORTED', `${fn}: pooler_act ${JSON.stringify(field('pooler_act'))} with pooler_output_size ${JSON.stringify(poolerSize)} is not supported; only HF's default pooler (tanh, width hidden_size).`);
  }
  return checkImageLayersConfig(fn, {
    architecture: 'vit',
    hiddenSize: field('hidden_size') as number,
    numHeads: field('num_attention_heads') as number,
    intermediateSize: field('intermediate_size') as number,
    numLayers: field('num_hidden_layers') as number,
    layerNormEps: field('layer_norm_eps') as number,
    hiddenAct: act,
    imageSize: field('image_size') as number,
    patchSize: field('patch_size') as number,
    numChannels: field('num_channels') as number,
    hiddenDropout: field('hidden_dropout_prob') as number,
    attentionDropout: field('attention_probs_dropout_prob') as number,
    initializerRange: field('initializer_range') as number,
  });
}
