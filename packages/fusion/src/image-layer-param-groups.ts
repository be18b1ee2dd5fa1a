// The learning rates of a model's image encoder layers: their own rate beside the fusion
// model's, optionally decayed layer by layer downwards, exactly as for text layers.
import type { AdamWParamGroup } from './adamw.js';
import type { ImageEncoderLayers } from './image-layers/image-encoder-layers.js';
import { depthParamGroups, type TextLayerParamGroupsOptions } from './text-layer-param-groups.js';

/** Options of {@link imageLayerParamGroups}: the same as for text layers. */
export type ImageLayerParamGroupsOptions = TextLayerParamGroupsOptions;

/**
 * AdamW parameter groups for the weights of an image stack (by tfjs variable name), one per
 * depth: the top (final LayerNorm and pooler) at `learningRate`, layer i below at
 * `learningRate · layerDecay^(top − depth)`.
 *
 * @param layers - the stack (e.g. `model.imageLayers`)
 * @param options - `learningRate` (required), `layerDecay` (default 1)
 * @returns groups for `new AdamW({ learningRate, paramGroups })`, deepest first
 * @throws MmauxFusionError `INVALID_OPTION` for a rate below 0 or a decay outside (0, 1]
 *
 * @example
 * ```ts
 * const config = imageLayersConfigFromHf({ model_type: 'vit', hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 3, image_size: 8, patch_size: 4 });
 * const layers = new ImageEncoderLayers(config, { trainableLayers: 2, rng: createRng(1) });
 * const groups = imageLayerParamGroups(layers, { learningRate: 1e-5, layerDecay: 0.5 });
 * groups.length; // 3
 * groups.map((g) => g.learningRate); // [0.0000025, 0.000005, 0.00001]
 * groups[2].variables.length; // 4
 * layers.dispose();
 * ```
 */
export function imageLayerParamGroups(layers: ImageEncoderLayers, options: ImageLayerParamGroupsOptions): AdamWParamGroup[] {
  return depthParamGroups('imageLayerParamGroups', () => layers.weightGroups(), options);
}
