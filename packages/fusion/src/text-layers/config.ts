import { MmauxFusionError } from '../errors.js';
import { fail, fraction, HF_ACTIVATIONS, integer, positive } from '../hf-config-checks.js';

/** The BERT-family architectures {@link TextEncoderLayers} implements (post-LN, absolute positions). */
export const TEXT_ENCODER_ARCHITECTURES = ['bert', 'roberta', 'xlm-roberta'] as const;

/**
 * `bert` (BERT, MMBT's text side): positions `0…T−1`, token types from the input.
 * `roberta` (RoBERTa, BERTweet) and `xlm-roberta` (XLM-R, Bernice): positions start at
 * `padTokenId + 1` and skip padding (`cumsum(ids ≠ pad)·(ids ≠ pad) + pad`), token type 0.
 */
export type TextEncoderArchitecture = (typeof TEXT_ENCODER_ARCHITECTURES)[number];

/**
 * The feed-forward activation: `gelu` is the exact `0.5·x·(1 + erf(x/√2))` (HF's `"gelu"`, what
 * BERT, RoBERTa, XLM-R and BERTweet use); `gelu_tanh` the tanh approximation (HF's `"gelu_new"`,
 * `"gelu_pytorch_tanh"`).
 */
export type TextEncoderActivation = 'gelu' | 'gelu_tanh';

/** The shape of a BERT-family encoder, as {@link textLayersConfigFromHf} reads it from `config.json`. */
export interface TextEncoderLayersConfig {
  architecture: TextEncoderArchitecture;
  /** H, `hidden_size` (768 for the base models). */
  hiddenSize: number;
  /** Attention heads, `num_attention_heads`; divides H. */
  numHeads: number;
  /** FFN width, `intermediate_size` (3072). */
  intermediateSize: number;
  /** L, `num_hidden_layers` (12). */
  numLayers: number;
  /** `layer_norm_eps` (BERT 1e-12, RoBERTa/XLM-R checkpoints 1e-5). */
  layerNormEps: number;
  /** `hidden_act`. */
  hiddenAct: TextEncoderActivation;
  /** `vocab_size` (rows of the word embeddings). */
  vocabSize: number;
  /** `max_position_embeddings` (rows of the position embeddings: 512, RoBERTa 514, BERTweet 130). */
  maxPositions: number;
  /** `type_vocab_size` (BERT 2, RoBERTa/XLM-R 1). */
  typeVocabSize: number;
  /** `pad_token_id` (BERT 0, RoBERTa/XLM-R 1): RoBERTa's `padding_idx` for positions. */
  padTokenId: number;
  /** `hidden_dropout_prob`: after the embeddings and after each sub-layer's output projection. */
  hiddenDropout: number;
  /** `attention_probs_dropout_prob`: on the attention weights. */
  attentionDropout: number;
  /** `initializer_range`: std of the normal initial values of weights a checkpoint lacks. */
  initializerRange: number;
}

/** HF's config-class defaults for fields a `config.json` leaves out (`BertConfig`, `RobertaConfig`). */
const HF_DEFAULTS: Record<TextEncoderArchitecture, Record<string, number | string>> = {
  bert: {
    vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072,
    hidden_act: 'gelu', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, max_position_embeddings: 512,
    type_vocab_size: 2, initializer_range: 0.02, layer_norm_eps: 1e-12, pad_token_id: 0,
  },
  roberta: {
    vocab_size: 50265, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072,
    hidden_act: 'gelu', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, max_position_embeddings: 512,
    type_vocab_size: 2, initializer_range: 0.02, layer_norm_eps: 1e-12, pad_token_id: 1,
  },
  'xlm-roberta': {
    vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072,
    hidden_act: 'gelu', hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1, max_position_embeddings: 512,
    type_vocab_size: 2, initializer_range: 0.02, layer_norm_eps: 1e-12, pad_token_id: 1,
  },
};

/** `model_type` values (and the names some configs use) mapped to an architecture. */
const MODEL_TYPES: Record<string, TextEncoderArchitecture> = {
  bert: 'bert',
  roberta: 'roberta',
  bertweet: 'roberta',
  'xlm-roberta': 'xlm-roberta',
  xlm_roberta: 'xlm-roberta',
};

/** @internal Validates a config (from {@link textLayersConfigFromHf} or written by hand); returns a frozen copy. */
export function checkTextLayersConfig(fn: string, config: TextEncoderLayersConfig): TextEncoderLayersConfig {
  if (config === null || typeof config !== 'object') fail(fn, `config must be an object, got ${String(config)}.`);
  if (!(TEXT_ENCODER_ARCHITECTURES as readonly string[]).includes(config.architecture)) {
    fail(fn, `architecture must be one of ${TEXT_ENCODER_ARCHITECTURES.join(', ')}, got ${JSON.stringify(config.architecture)}.`);
  }
  if (config.hiddenAct !== 'gelu' && config.hiddenAct !== 'gelu_tanh') fail(fn, `hiddenAct must be 'gelu' or 'gelu_tanh', got ${JSON.stringify(config.hiddenAct)}.`);
  const hiddenSize = integer(fn, 'hiddenSize', config.hiddenSize, 1);
  const numHeads = integer(fn, 'numHeads', config.numHeads, 1);
  if (hiddenSize % numHeads !== 0) fail(fn, `numHeads (${numHeads}) must divide hiddenSize (${hiddenSize}).`);
  const checked: TextEncoderLayersConfig = {
    architecture: config.architecture,
    hiddenSize,
    numHeads,
    intermediateSize: integer(fn, 'intermediateSize', config.intermediateSize, 1),
    numLayers: integer(fn, 'numLayers', config.numLayers, 1),
    layerNormEps: positive(fn, 'layerNormEps', config.layerNormEps),
    hiddenAct: config.hiddenAct,
    vocabSize: integer(fn, 'vocabSize', config.vocabSize, 1),
    maxPositions: integer(fn, 'maxPositions', config.maxPositions, 1),
    typeVocabSize: integer(fn, 'typeVocabSize', config.typeVocabSize, 1),
    padTokenId: integer(fn, 'padTokenId', config.padTokenId, 0),
    hiddenDropout: fraction(fn, 'hiddenDropout', config.hiddenDropout),
    attentionDropout: fraction(fn, 'attentionDropout', config.attentionDropout),
    initializerRange: positive(fn, 'initializerRange', config.initializerRange),
  };
  if (checked.padTokenId >= checked.vocabSize) fail(fn, `padTokenId (${checked.padTokenId}) must be below vocabSize (${checked.vocabSize}).`);
  return Object.freeze(checked);
}

/**
 * Reads a Hugging Face `config.json` (as a plain object, e.g. `loadHfEncoderWeights(...).config`
 * from `@mmaux/encoders`) into a {@link TextEncoderLayersConfig}. Fields the file leaves out take
 * the defaults of HF's `BertConfig` / `RobertaConfig`, as `transformers` would.
 *
 * @param config - the parsed `config.json`; `model_type` must be `bert`, `roberta` (BERTweet
 *   included) or `xlm-roberta` (Bernice)
 * @returns the validated layer-stack configuration
 * @throws MmauxFusionError `UNSUPPORTED` for another model type, another activation or
 *   non-absolute position embeddings; `INVALID_OPTION` for a field out of range
 *
 * @example
 * ```ts
 * const config = textLayersConfigFromHf({
 *   model_type: 'xlm-roberta', hidden_size: 32, num_attention_heads: 2, intermediate_size: 64,
 *   num_hidden_layers: 2, vocab_size: 100, max_position_embeddings: 40, type_vocab_size: 1,
 *   layer_norm_eps: 1e-5,
 * });
 * config.architecture; // "xlm-roberta"
 * config.padTokenId; // 1
 * config.hiddenAct; // "gelu"
 * ```
 */
export function textLayersConfigFromHf(config: Record<string, unknown>): TextEncoderLayersConfig {
  const fn = 'textLayersConfigFromHf';
  if (config === null || typeof config !== 'object' || Array.isArray(config)) fail(fn, `config must be the parsed config.json object, got ${String(config)}.`);
  const modelType = String(config.model_type ?? '');
  const architecture = MODEL_TYPES[modelType];
  if (architecture === undefined) {
    throw new MmauxFusionError(
      'UNSUPPORTED',
      `${fn}: model_type ${JSON.stringify(config.model_type)} is not a BERT-family encoder this package implements (${Object.keys(MODEL_TYPES).join(', ')}).`,
    );
  }
  const defaults = HF_DEFAULTS[architecture];
  const field = (name: string): unknown => (config[name] === undefined || config[name] === null ? defaults[name] : config[name]);
  const positions = config.position_embedding_type ?? 'absolute';
  if (positions !== 'absolute') {
    throw new MmauxFusionError('UNSUPPORTED', `${fn}: position_embedding_type ${JSON.stringify(positions)} is not supported; only "absolute" (what BERT, RoBERTa, XLM-R and BERTweet use).`);
  }
  const act = HF_ACTIVATIONS[String(field('hidden_act'))];
  if (act === undefined) {
    throw new MmauxFusionError('UNSUPPORTED', `${fn}: hidden_act ${JSON.stringify(field('hidden_act'))} is not supported; use one of ${Object.keys(HF_ACTIVATIONS).join(', ')}.`);
  }
  return checkTextLayersConfig(fn, {
    architecture,
    hiddenSize: field('hidden_size') as number,
    numHeads: field('num_attention_heads') as number,
    intermediateSize: field('intermediate_size') as number,
    numLayers: field('num_hidden_layers') as number,
    layerNormEps: field('layer_norm_eps') as number,
    hiddenAct: act,
    vocabSize: field('vocab_size') as number,
    maxPositions: field('max_position_embeddings') as number,
    typeVocabSize: field('type_vocab_size') as number,
    padTokenId: field('pad_token_id') as number,
    hiddenDropout: field('hidden_dropout_prob') as number,
    attentionDropout: field('attention_probs_dropout_prob') as number,
    initializerRange: field('initializer_range') as number,
  });
}
