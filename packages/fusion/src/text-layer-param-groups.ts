// The learning rates of a model's text encoder layers: their own rate (the paper fine-tunes BERT
// at 1e-5 beside a fusion model at 1e-4), optionally decayed layer by layer downwards.
import type { AdamWParamGroup } from './adamw.js';
import { MmauxFusionError } from './errors.js';
import type { LearningRateSchedule } from './schedules.js';
import type { TextEncoderLayers, TextLayerWeightGroup } from './text-layers/text-encoder-layers.js';

/** Options of {@link textLayerParamGroups}. */
export interface TextLayerParamGroupsOptions {
  /** The rate of the stack's top (the pooler; the top layer without one): a number or a schedule of the step. */
  learningRate: number | LearningRateSchedule;
  /**
   * Layer-wise decay factor `d` in (0, 1]: a weight at depth `i` trains at `lr · d^(top − i)`
   * (depths: embeddings 0, layer j at j + 1, the pooler at L + 1). @defaultValue 1 (one rate)
   */
  layerDecay?: number;
}

/**
 * AdamW parameter groups for the trainable weights of `layers` (by tfjs variable name), one per
 * depth, so that the encoder trains at its own rate beside the fusion model's.
 *
 * @param layers - the stack (e.g. `model.textLayers`)
 * @param options - `learningRate` (required), `layerDecay`
 * @returns groups for `new AdamW({ learningRate, paramGroups })`, deepest first
 * @throws MmauxFusionError `INVALID_OPTION` for a rate below 0 or a decay outside (0, 1]
 *
 * @example
 * ```ts
 * const config = textLayersConfigFromHf({ model_type: 'bert', hidden_size: 8, num_attention_heads: 2, intermediate_size: 16, num_hidden_layers: 3, vocab_size: 20 });
 * const layers = new TextEncoderLayers(config, { trainableLayers: 2, rng: createRng(1) });
 * const groups = textLayerParamGroups(layers, { learningRate: 1e-5, layerDecay: 0.5 });
 * groups.length; // 3
 * groups.map((g) => g.learningRate); // [0.0000025, 0.000005, 0.00001]
 * groups[0].variables.length; // 16
 * layers.dispose();
 * ```
 */
export function textLayerParamGroups(layers: TextEncoderLayers, options: TextLayerParamGroupsOptions): AdamWParamGroup[] {
  return depthParamGroups('textLayerParamGroups', () => layers.weightGroups(), options);
}

/** @internal One AdamW group per depth of `groups()`, the top at `learningRate`, each depth below `layerDecay` times the one above. */
export function depthParamGroups(fn: string, groupsOf: () => TextLayerWeightGroup[], options: TextLayerParamGroupsOptions): AdamWParamGroup[] {
  if (options === null || typeof options !== 'object') throw new MmauxFusionError('INVALID_OPTION', `${fn}: options { learningRate } are required.`);
  const { learningRate } = options;
  if (typeof learningRate !== 'function' && (typeof learningRate !== 'number' || !Number.isFinite(learningRate) || learningRate < 0)) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: learningRate must be a finite number ≥ 0 or a schedule, got ${String(learningRate)}.`);
  }
  const decay = options.layerDecay ?? 1;
  if (typeof decay !== 'number' || !(decay > 0 && decay <= 1)) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: layerDecay must be in (0, 1] (1: every layer at the same rate), got ${String(decay)}.`);
  }
  const groups = groupsOf();
  const top = Math.max(...groups.map((g) => g.depth));
  return groups.map(({ depth, weights }) => {
    const factor = decay ** (top - depth);
    const rate: number | LearningRateSchedule = typeof learningRate === 'function' ? (step: number) => learningRate(step) * factor : learningRate * factor;
    return { variables: weights.map((w) => w.variable.name), learningRate: rate };
  });
}
