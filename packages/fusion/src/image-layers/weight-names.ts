import { MmauxFusionError } from '../errors.js';
import type { TextLayerWeightSpec } from '../text-layers/weight-names.js';
import type { ImageEncoderLayersConfig } from './config.js';

/**
 * Which part of a ViT trains: the top `k` layers (`0 ≤ k ≤ numLayers`; 0 = the final LayerNorm
 * and the pooler only) or `'all'` (the patch embeddings, CLS token, positions and every layer).
 */
export type TrainableImageLayers = number | 'all';

/**
 * One weight of an image layer stack: its Hugging Face name (with the `vit.` prefix), shape,
 * initial values and depth (0 the embeddings, i + 1 layer i, L + 1 the final LayerNorm and the pooler).
 */
export type ImageLayerWeightSpec = TextLayerWeightSpec;

/** The prefix every weight of an image stack is named with (HF's `ViTFor…` models; a bare `ViTModel` checkpoint has none, and is read too). */
export const VIT_PREFIX = 'vit.';

/** @internal The first encoder layer a stack holds, `numLayers − k` (0 for `'all'`). */
export function firstImageLayerOf(fn: string, config: ImageEncoderLayersConfig, trainable: TrainableImageLayers): number {
  if (trainable === 'all') return 0;
  if (typeof trainable !== 'number' || !Number.isInteger(trainable) || trainable < 0 || trainable > config.numLayers) {
    throw new MmauxFusionError(
      'INVALID_OPTION',
      `${fn}: trainableLayers must be an integer in [0, ${config.numLayers}] (the top layers of this ${config.numLayers}-layer ViT) or 'all', got ${JSON.stringify(trainable)}.`,
    );
  }
  return config.numLayers - trainable;
}

function vitLayerSpecs(config: ImageEncoderLayersConfig, i: number): ImageLayerWeightSpec[] {
  const h = config.hiddenSize;
  const f = config.intermediateSize;
  const p = `${VIT_PREFIX}encoder.layer.${i}`;
  const depth = i + 1;
  const linear = (name: string, out: number, inp: number): ImageLayerWeightSpec[] => [
    { name: `${p}.${name}.weight`, shape: [out, inp], init: 'normal', depth },
    { name: `${p}.${name}.bias`, shape: [out], init: 'zeros', depth },
  ];
  const norm = (name: string): ImageLayerWeightSpec[] => [
    { name: `${p}.${name}.weight`, shape: [h], init: 'ones', depth },
    { name: `${p}.${name}.bias`, shape: [h], init: 'zeros', depth },
  ];
  return [
    ...norm('layernorm_before'),
    ...linear('attention.attention.query', h, h),
    ...linear('attention.attention.key', h, h),
    ...linear('attention.attention.value', h, h),
    ...linear('attention.output.dense', h, h),
    ...norm('layernorm_after'),
    ...linear('intermediate.dense', f, h),
    ...linear('output.dense', h, f),
  ];
}

/**
 * The weights an {@link ImageEncoderLayers} with `trainableLayers` holds, in order: the
 * embeddings (`'all'` only), encoder layers `L − k … L − 1`, the final LayerNorm (unless
 * `finalNorm: false`) and the pooler (with `pooling: 'pooler'`).
 *
 * @param config - the ViT's shape
 * @param trainableLayers - k or `'all'`
 * @param options - `finalNorm` (default true): whether HF's `vit.layernorm` is part of the stack;
 *   `pooler` (default true): whether `vit.pooler.dense` is
 * @returns one spec per weight, HF names with the `vit.` prefix
 * @throws MmauxFusionError `INVALID_OPTION` for a k outside `[0, numLayers]`
 *
 * @example
 * ```ts
 * const config = imageLayersConfigFromHf({ model_type: 'vit', hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 3, image_size: 8, patch_size: 4 });
 * const specs = imageLayerWeightSpecs(config, 1);
 * specs.length; // 20
 * specs[0].name; // "vit.encoder.layer.2.layernorm_before.weight"
 * specs.at(-2).name; // "vit.pooler.dense.weight"
 * imageLayerWeightSpecs(config, 'all', { pooler: false })[2].shape; // [8, 3, 4, 4]
 * ```
 */
export function imageLayerWeightSpecs(
  config: ImageEncoderLayersConfig,
  trainableLayers: TrainableImageLayers,
  options: { finalNorm?: boolean; pooler?: boolean } = {},
): ImageLayerWeightSpec[] {
  const first = firstImageLayerOf('imageLayerWeightSpecs', config, trainableLayers);
  const h = config.hiddenSize;
  const p = config.patchSize;
  const e = `${VIT_PREFIX}embeddings`;
  const top = config.numLayers + 1;
  const specs: ImageLayerWeightSpec[] = [];
  if (trainableLayers === 'all') {
    specs.push(
      { name: `${e}.cls_token`, shape: [1, 1, h], init: 'normal', depth: 0 },
      { name: `${e}.position_embeddings`, shape: [1, config.imageSize ** 2 / p ** 2 + 1, h], init: 'normal', depth: 0 },
      { name: `${e}.patch_embeddings.projection.weight`, shape: [h, config.numChannels, p, p], init: 'normal', depth: 0 },
      { name: `${e}.patch_embeddings.projection.bias`, shape: [h], init: 'zeros', depth: 0 },
    );
  }
  for (let i = first; i < config.numLayers; i++) specs.push(...vitLayerSpecs(config, i));
  if (options.finalNorm ?? true) {
    specs.push(
      { name: `${VIT_PREFIX}layernorm.weight`, shape: [h], init: 'ones', depth: top },
      { name: `${VIT_PREFIX}layernorm.bias`, shape: [h], init: 'zeros', depth: top },
    );
  }
  if (options.pooler ?? true) {
    specs.push(
      { name: `${VIT_PREFIX}pooler.dense.weight`, shape: [h, h], init: 'normal', depth: top },
      { name: `${VIT_PREFIX}pooler.dense.bias`, shape: [h], init: 'zeros', depth: top },
    );
  }
  return specs;
}

/** The checkpoint names a spec may have: with the `vit.` prefix (`ViTFor…`) or without (`ViTModel`). */
export function checkpointNamesOf(name: string): string[] {
  return [name, name.slice(VIT_PREFIX.length)];
}

/**
 * A predicate over checkpoint tensor names that is true for exactly the tensors an
 * {@link ImageEncoderLayers} with `trainableLayers` reads (with or without the `vit.` prefix):
 * pass it as `include` to `loadHfEncoderWeights` of `@mmaux/encoders`, so the frozen lower
 * layers are never read from disk.
 *
 * @param config - the ViT's shape
 * @param trainableLayers - k or `'all'`
 * @param options - `finalNorm`, `pooler` (default true), as {@link imageLayerWeightSpecs}
 * @returns `(name) => boolean`
 *
 * @example
 * ```ts
 * const config = imageLayersConfigFromHf({ model_type: 'vit', hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 4, image_size: 8, patch_size: 4 });
 * const include = imageLayersWeightFilter(config, 2);
 * include('encoder.layer.3.output.dense.weight'); // true
 * include('vit.encoder.layer.3.output.dense.weight'); // true
 * include('vit.encoder.layer.1.output.dense.weight'); // false
 * include('classifier.weight'); // false
 * ```
 */
export function imageLayersWeightFilter(
  config: ImageEncoderLayersConfig,
  trainableLayers: TrainableImageLayers,
  options: { finalNorm?: boolean; pooler?: boolean } = {},
): (name: string) => boolean {
  const wanted = new Set<string>();
  for (const spec of imageLayerWeightSpecs(config, trainableLayers, options)) for (const n of checkpointNamesOf(spec.name)) wanted.add(n);
  return (name) => wanted.has(name);
}
