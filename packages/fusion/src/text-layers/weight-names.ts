import { MmauxFusionError } from '../errors.js';
import type { TextEncoderLayersConfig } from './config.js';

/**
 * Which part of an encoder trains: the top `k` layers (`0 ≤ k ≤ numLayers`; 0 = the pooler
 * only) or `'all'` (the embeddings and every layer).
 */
export type TrainableTextLayers = number | 'all';

/** One weight of a layer stack: its Hugging Face name (no model prefix), shape and initial values. */
export interface TextLayerWeightSpec {
  /** As in the model's `state_dict`, without the `bert.` / `roberta.` prefix. */
  name: string;
  /** PyTorch's layout: a Linear weight is `[out, in]`. */
  shape: number[];
  /** How HF initialises it when a checkpoint lacks it. */
  init: 'normal' | 'zeros' | 'ones';
  /** 0 for the embeddings, i + 1 for encoder layer i, numLayers + 1 for the pooler. */
  depth: number;
}

/** @internal The first encoder layer a stack holds, `numLayers − k` (0 for `'all'`). */
export function firstLayerOf(fn: string, config: TextEncoderLayersConfig, trainable: TrainableTextLayers): number {
  if (trainable === 'all') return 0;
  if (typeof trainable !== 'number' || !Number.isInteger(trainable) || trainable < 0 || trainable > config.numLayers) {
    throw new MmauxFusionError(
      'INVALID_OPTION',
      `${fn}: trainableLayers must be an integer in [0, ${config.numLayers}] (the top layers of this ${config.numLayers}-layer encoder) or 'all', got ${JSON.stringify(trainable)}.`,
    );
  }
  return config.numLayers - trainable;
}

/** @internal The weights of encoder layer `i`, in HF's order. */
export function layerWeightSpecs(config: TextEncoderLayersConfig, i: number): TextLayerWeightSpec[] {
  const h = config.hiddenSize;
  const f = config.intermediateSize;
  const p = `encoder.layer.${i}`;
  const depth = i + 1;
  const linear = (name: string, out: number, inp: number): TextLayerWeightSpec[] => [
    { name: `${p}.${name}.weight`, shape: [out, inp], init: 'normal', depth },
    { name: `${p}.${name}.bias`, shape: [out], init: 'zeros', depth },
  ];
  const norm = (name: string): TextLayerWeightSpec[] => [
    { name: `${p}.${name}.weight`, shape: [h], init: 'ones', depth },
    { name: `${p}.${name}.bias`, shape: [h], init: 'zeros', depth },
  ];
  return [
    ...linear('attention.self.query', h, h),
    ...linear('attention.self.key', h, h),
    ...linear('attention.self.value', h, h),
    ...linear('attention.output.dense', h, h),
    ...norm('attention.output.LayerNorm'),
    ...linear('intermediate.dense', f, h),
    ...linear('output.dense', h, f),
    ...norm('output.LayerNorm'),
  ];
}

/**
 * The weights a {@link TextEncoderLayers} with `trainableLayers` holds, in order: the
 * embeddings (`'all'` only), encoder layers `L − k … L − 1`, the pooler (unless `pooler: false`).
 *
 * @param config - the encoder's shape
 * @param trainableLayers - k or `'all'`
 * @param options - `pooler` (default true): whether the pooler (`pooler.dense`) is part of the stack
 * @returns one {@link TextLayerWeightSpec} per weight, HF names without the model prefix
 * @throws MmauxFusionError `INVALID_OPTION` for a k outside `[0, numLayers]`
 *
 * @example
 * ```ts
 * const config = textLayersConfigFromHf({ model_type: 'bert', hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 3, vocab_size: 20 });
 * const specs = textLayerWeightSpecs(config, 1);
 * specs.length; // 18
 * specs[0].name; // "encoder.layer.2.attention.self.query.weight"
 * specs[0].shape; // [8, 8]
 * specs.at(-2).name; // "pooler.dense.weight"
 * textLayerWeightSpecs(config, 'all').length; // 55
 * ```
 */
export function textLayerWeightSpecs(config: TextEncoderLayersConfig, trainableLayers: TrainableTextLayers, options: { pooler?: boolean } = {}): TextLayerWeightSpec[] {
  const first = firstLayerOf('textLayerWeightSpecs', config, trainableLayers);
  const h = config.hiddenSize;
  const specs: TextLayerWeightSpec[] = [];
  if (trainableLayers === 'all') {
    specs.push(
      { name: 'embeddings.word_embeddings.weight', shape: [config.vocabSize, h], init: 'normal', depth: 0 },
      { name: 'embeddings.position_embeddings.weight', shape: [config.maxPositions, h], init: 'normal', depth: 0 },
      { name: 'embeddings.token_type_embeddings.weight', shape: [config.typeVocabSize, h], init: 'normal', depth: 0 },
      { name: 'embeddings.LayerNorm.weight', shape: [h], init: 'ones', depth: 0 },
      { name: 'embeddings.LayerNorm.bias', shape: [h], init: 'zeros', depth: 0 },
    );
  }
  for (let i = first; i < config.numLayers; i++) specs.push(...layerWeightSpecs(config, i));
  if (options.pooler ?? true) {
    specs.push(
      { name: 'pooler.dense.weight', shape: [h, h], init: 'normal', depth: config.numLayers + 1 },
      { name: 'pooler.dense.bias', shape: [h], init: 'zeros', depth: config.numLayers + 1 },
    );
  }
  return specs;
}

/** The prefixes checkpoints put before the base model's names (`BertForMaskedLM` → `bert.`, …). */
export function checkpointPrefixes(config: TextEncoderLayersConfig): string[] {
  return config.architecture === 'bert' ? ['', 'bert.'] : ['', 'roberta.'];
}

/** Older (TF-converted) checkpoints name a LayerNorm's scale and shift `gamma` and `beta`. */
export function legacyNames(name: string): string[] {
  if (name.endsWith('.LayerNorm.weight')) return [name, `${name.slice(0, -'weight'.length)}gamma`];
  if (name.endsWith('.LayerNorm.bias')) return [name, `${name.slice(0, -'bias'.length)}beta`];
  return [name];
}

/**
 * A predicate over checkpoint tensor names that is true for exactly the tensors a
 * {@link TextEncoderLayers} with `trainableLayers` reads (with or without the `bert.` /
 * `roberta.` prefix, `LayerNorm.gamma`/`beta` included): pass it as `include` to
 * `loadHfEncoderWeights` of `@mmaux/encoders`, so the frozen lower layers and the
 * (large) embeddings of a top-k stack are never read from disk.
 *
 * @param config - the encoder's shape
 * @param trainableLayers - k or `'all'`
 * @param options - `pooler` (default true)
 * @returns `(name) => boolean`
 *
 * @example
 * ```ts
 * const config = textLayersConfigFromHf({ model_type: 'roberta', hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 4, vocab_size: 20 });
 * const include = textLayersWeightFilter(config, 2);
 * include('roberta.encoder.layer.3.output.dense.weight'); // true
 * include('roberta.encoder.layer.1.output.dense.weight'); // false
 * include('roberta.embeddings.word_embeddings.weight'); // false
 * include('lm_head.dense.weight'); // false
 * ```
 */
export function textLayersWeightFilter(
  config: TextEncoderLayersConfig,
  trainableLayers: TrainableTextLayers,
  options: { pooler?: boolean } = {},
): (name: string) => boolean {
  const wanted = new Set<string>();
  for (const spec of textLayerWeightSpecs(config, trainableLayers, options)) {
    for (const prefix of checkpointPrefixes(config)) for (const n of legacyNames(spec.name)) wanted.add(prefix + n);
  }
  return (name) => wanted.has(name);
}
