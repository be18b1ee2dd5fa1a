import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@mmaux/losses';
import { MmauxFusionError } from '../errors.js';
import { type ForwardContext, layerNorm, tokenAt } from '../layers.js';
import { initialValues } from '../text-layers/initial-values.js';
import { linear } from '../text-layers/linear.js';
import { checkpointValues, depthGroups, type HfWeight, type HfWeightSource, stateDictOf, type TextLayerWeightGroup } from '../checkpoint-weights.js';
import type { NamedWeight } from '../weights.js';
import { checkImageLayersConfig, type ImageEncoderLayersConfig, imageTokensOf, textKernelConfig } from './config.js';
import { type VitEmbeddingVariables, vitEmbeddings } from './patch-embeddings.js';
import { type VitLayerContext, type VitLayerVariables, vitLayer, vitLayerFirstToken } from './vit-layer.js';
import { checkpointNamesOf, firstImageLayerOf, type ImageLayerWeightSpec, imageLayerWeightSpecs, type TrainableImageLayers, VIT_PREFIX } from './weight-names.js';

/**
 * How a stack's `pooled` vector is made, matching the `pooling` of `@mmaux/encoders`' hf: image
 * encoder: `'pooler'` HF's pooler, `tanh(W·h[:, 0] + b)` (the stack holds its weights);
 * `'first'` the CLS token of the last hidden state; `'mean'` the mean of the patch tokens (CLS left out).
 */
export type ImageLayersPooling = 'pooler' | 'first' | 'mean';

/** Options of {@link ImageEncoderLayers}. */
export interface ImageEncoderLayersOptions {
  /** The top k layers (`0 ≤ k ≤ numLayers`; 0: the final LayerNorm and the pooler alone) or `'all'` (the embeddings + every layer). */
  trainableLayers: TrainableImageLayers;
  /**
   * The pretrained weights, HF names with or without the `vit.` prefix; tensors the stack does
   * not hold are ignored. Every weight of the stack must be there except the pooler's, which
   * `ViTForImageClassification` checkpoints lack: it then gets initial values from `rng`
   * (normal with std `initializer_range`; HF draws a truncated normal).
   * @defaultValue none: every weight gets initial values from `rng` (tests, benchmarks)
   */
  weights?: HfWeightSource;
  /** Generator of the initial values of weights `weights` lacks; required when any is missing. */
  rng?: Rng;
  /** How `pooled` is made; `'pooler'` makes the stack hold the pooler. @defaultValue 'pooler' */
  pooling?: ImageLayersPooling;
  /**
   * Whether the stack ends with HF's final LayerNorm (`vit.layernorm`, which `last_hidden_state`
   * has passed): leave it out for a stack of lower layers whose output feeds further layers.
   * @defaultValue true
   */
  finalNorm?: boolean;
}

/**
 * What {@link ImageEncoderLayers.forward} reads: the hidden state entering layer `L − k`
 * (`hidden` `[N, T, H]`: CLS then the patches) for a top-k stack, pixels `[N, C, S, S]` (as an
 * image processor gives them) for `'all'`.
 */
export type ImageLayersInput = { hidden: tf.Tensor3D } | { pixelValues: tf.Tensor4D };

/** Options of {@link ImageEncoderLayers.forward}. */
export interface ImageLayersForwardOptions {
  /** Training mode: dropout on (HF's hidden and attention dropout; 0 in the google/vit configs). @defaultValue false */
  training?: boolean;
  /** The dropout generator; required with `training`. */
  rng?: Rng;
  /** Also return the hidden state entering the stack and each layer's output. @defaultValue false */
  hiddenStates?: boolean;
  /**
   * Compute the last layer at the CLS token only (`hidden` is then `[N, 1, H]`, the CLS row after
   * the final LayerNorm; so is the last of `hiddenStates`, before it): all a reader of the CLS
   * token or of a `'first'` / `'pooler'` pooled vector needs, and at k = 1 most of the step's work
   * saved (keys and values are still computed for every token). Eval outputs and gradients are
   * those of the full stack; in training the attention dropout draws fewer values, so the same
   * generator gives other masks. No effect at k = 0 or with `pooling: 'mean'` (which reads every
   * patch). @defaultValue false
   */
  firstTokenOnly?: boolean;
}

/** What {@link ImageEncoderLayers.forward} returns; the caller owns (and disposes) the tensors. */
export interface ImageLayersOutput {
  /** `[N, T, H]`: the last layer's output after the final LayerNorm (HF's `last_hidden_state`), or before it with `finalNorm: false`; `[N, 1, H]` (its CLS row) with `firstTokenOnly`. */
  hidden: tf.Tensor3D;
  /** `[N, H]`, as `pooling` says. */
  pooled: tf.Tensor2D;
  /** With `hiddenStates`: k + 1 tensors `[N, T, H]`, the stack's input (for `'all'`: the embeddings' output) then each layer's output, HF's `hidden_states[L − k …]` (before the final LayerNorm). */
  hiddenStates?: tf.Tensor3D[];
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

const noRng: Rng = () => {
  throw new MmauxFusionError('INVALID_OPTION', 'ImageEncoderLayers.forward: dropout needs a generator; pass { training: true, rng }.');
};

/**
 * The top of a ViT image encoder (HF's `ViTModel`) as trainable TensorFlow.js variables: encoder
 * layers `L − k … L − 1`, the final LayerNorm and the pooler, or (`'all'`) the patch embeddings,
 * CLS token and positions too. Pre-LN layers computed as HF's `ViTLayer` does (exact erf GELU,
 * dropout in training), so that with a checkpoint's weights the outputs equal the original
 * model's (see the parity tests of `@mmaux/encoders`). The variables are the checkpoint's tensors
 * under their HF names with the `vit.` prefix (so they never clash with a text stack's) and in
 * PyTorch's layout; the lower, frozen layers are not held at all, so they get no gradient.
 * Shares the text layers' projection, attention and feed-forward ops (the wasm SIMD kernels).
 *
 * @example
 * ```ts
 * const config = imageLayersConfigFromHf({
 *   model_type: 'vit', hidden_size: 16, num_attention_heads: 2, intermediate_size: 32,
 *   num_hidden_layers: 4, image_size: 8, patch_size: 4,
 * });
 * const top = new ImageEncoderLayers(config, { trainableLayers: 2, rng: createRng(1) });
 * top.namedWeights().length; // 36
 * top.namedWeights()[0].name; // "vit.encoder.layer.2.layernorm_before.weight"
 * const hidden = tf.randomNormal([3, 5, 16], 0, 1, 'float32', 2); // the hidden state entering layer 2
 * const out = top.forward({ hidden });
 * out.hidden.shape; // [3, 5, 16]
 * out.pooled.shape; // [3, 16]
 * const grads = tf.variableGrads(() => tf.sum(top.forward({ hidden }, { training: true, rng: createRng(3) }).pooled));
 * Object.keys(grads.grads).length; // 36
 * top.dispose();
 * ```
 */
export class ImageEncoderLayers {
  /** The ViT's shape. */
  readonly config: ImageEncoderLayersConfig;
  /** k or `'all'`, as given. */
  readonly trainableLayers: TrainableImageLayers;
  /** The first encoder layer held: `numLayers − k`, 0 for `'all'`. */
  readonly firstLayer: number;
  /** Whether the stack holds the embeddings (`'all'`) and reads pixels. */
  readonly hasEmbeddings: boolean;
  /** How `pooled` is made. */
  readonly pooling: ImageLayersPooling;
  /** Whether the stack ends with the final LayerNorm. */
  readonly hasFinalNorm: boolean;
  /** Weights that got initial values because `weights` lacked them (HF's "newly initialized" warning). */
  readonly initializedWeights: readonly string[];

  private readonly named: NamedWeight[] = [];
  private readonly specs: ImageLayerWeightSpec[];
  private readonly embeddings: VitEmbeddingVariables | null = null;
  private readonly layers: VitLayerVariables[] = [];
  private readonly finalNorm: { weight: tf.Variable; bias: tf.Variable } | null = null;
  private readonly pooler: { weight: tf.Variable; bias: tf.Variable } | null = null;
  private disposed = false;

  /**
   * @param config - the ViT's shape ({@link imageLayersConfigFromHf})
   * @param options - which layers, the weights, the generator for missing ones, pooling
   * @throws MmauxFusionError `INVALID_OPTION` (k out of range, an unknown pooling, a weight must
   *   be initialised but no `rng` was given), `WEIGHT_MISMATCH` (a weight of the stack is missing
   *   from `weights` or has another shape; the message names it)
   */
  constructor(config: ImageEncoderLayersConfig, options: ImageEncoderLayersOptions) {
    const fn = 'ImageEncoderLayers';
    this.config = checkImageLayersConfig(fn, config);
    if (options === null || typeof options !== 'object') {
      throw new MmauxFusionError('INVALID_OPTION', `${fn}: options { trainableLayers } are required.`);
    }
    this.trainableLayers = options.trainableLayers;
    this.firstLayer = firstImageLayerOf(fn, this.config, options.trainableLayers);
    this.hasEmbeddings = options.trainableLayers === 'all';
    const pooling = options.pooling ?? 'pooler';
    if (pooling !== 'pooler' && pooling !== 'first' && pooling !== 'mean') {
      throw new MmauxFusionError('INVALID_OPTION', `${fn}: pooling must be 'pooler', 'first' or 'mean' (as the hf: image encoder's), got ${JSON.stringify(pooling)}.`);
    }
    this.pooling = pooling;
    this.hasFinalNorm = options.finalNorm ?? true;
    this.specs = imageLayerWeightSpecs(this.config, options.trainableLayers, { finalNorm: this.hasFinalNorm, pooler: pooling === 'pooler' });
    const values = this.resolveValues(fn, options);
    const kernels = textKernelConfig(this.config);
    const initialized: string[] = [];
    const variables = new Map<string, tf.Variable>();
    for (const spec of this.specs) {
      let data = values.get(spec.name);
      if (data === undefined) {
        data = initialValues(spec, kernels, options.rng!);
        initialized.push(spec.name);
      }
      const variable = tf.tidy(() => tf.variable(tf.tensor(data!, spec.shape, 'float32'), true));
      variables.set(spec.name, variable);
      this.named.push({ name: spec.name, variable });
    }
    this.initializedWeights = Object.freeze(initialized);
    const v = (name: string) => variables.get(VIT_PREFIX + name)!;
    const lin = (p: string) => ({ weight: v(`${p}.weight`), bias: v(`${p}.bias`) });
    if (this.hasEmbeddings) {
      this.embeddings = {
        clsToken: v('embeddings.cls_token'),
        positions: v('embeddings.position_embeddings'),
        projection: v('embeddings.patch_embeddings.projection.weight'),
        projectionBias: v('embeddings.patch_embeddings.projection.bias'),
      };
    }
    for (let i = this.firstLayer; i < this.config.numLayers; i++) {
      const p = `encoder.layer.${i}`;
      this.layers.push({
        normBefore: lin(`${p}.layernorm_before`),
        query: lin(`${p}.attention.attention.query`),
        key: lin(`${p}.attention.attention.key`),
        value: lin(`${p}.attention.attention.value`),
        attentionOutput: lin(`${p}.attention.output.dense`),
        normAfter: lin(`${p}.layernorm_after`),
        intermediate: lin(`${p}.intermediate.dense`),
        output: lin(`${p}.output.dense`),
      });
    }
    if (this.hasFinalNorm) this.finalNorm = lin('layernorm');
    if (pooling === 'pooler') this.pooler = lin('pooler.dense');
  }

  /** The checkpoint's values of the stack's weights, by prefixed name; validates shapes and what is missing. */
  private resolveValues(fn: string, options: ImageEncoderLayersOptions): Map<string, Float32Array> {
    const c = this.config;
    return checkpointValues(
      fn,
      {
        specs: this.specs,
        namesOf: checkpointNamesOf,
        optional: (name) => name.startsWith(`${VIT_PREFIX}pooler.`),
        model: `a ViT with hidden_size ${c.hiddenSize}, intermediate_size ${c.intermediateSize}, image_size ${c.imageSize} and patch_size ${c.patchSize}`,
        lookedFor: 'with and without the "vit." prefix',
        filter: 'imageLayersWeightFilter',
      },
      options.weights,
      options.rng,
    );
  }

  /**
   * The stack's forward pass (differentiable with respect to every variable; the input is a constant).
   *
   * @param input - `{ hidden }` (top-k) or `{ pixelValues }` (`'all'`)
   * @param options - training mode and dropout generator; `hiddenStates`; `firstTokenOnly`
   * @returns last hidden state `[N, T, H]` (`[N, 1, H]` with `firstTokenOnly`), pooled `[N, H]`, optional hidden states
   * @throws MmauxFusionError `MISSING_INPUT`, `INVALID_SHAPE` (pixels of another size than
   *   `imageSize`, a hidden state of another width), `DISPOSED`
   */
  forward(input: ImageLayersInput, options: ImageLayersForwardOptions = {}): ImageLayersOutput {
    const fn = 'ImageEncoderLayers.forward';
    if (this.disposed) throw new MmauxFusionError('DISPOSED', `${fn}: this stack has been disposed.`);
    if (input === null || typeof input !== 'object') throw new MmauxFusionError('MISSING_INPUT', `${fn}: input must be { hidden } or { pixelValues }, got ${String(input)}.`);
    const training = options.training ?? false;
    if (training && typeof options.rng !== 'function') {
      throw new MmauxFusionError('INVALID_OPTION', `${fn}: training mode applies dropout and needs options.rng (a seeded generator).`);
    }
    const ctx: ForwardContext = { training, rng: options.rng ?? noRng };
    const pixels = this.checkInput(fn, input);
    return tf.tidy(() => {
      let h: tf.Tensor3D;
      let n: number;
      if (pixels !== null) {
        n = pixels.n;
        h = vitEmbeddings(this.embeddings!, this.config, pixels.values, n, ctx);
      } else {
        h = (input as { hidden: tf.Tensor3D }).hidden;
        n = h.shape[0];
      }
      const t = h.shape[1];
      const layerCtx: VitLayerContext = { ...ctx, kernels: textKernelConfig(this.config), keyBias: tf.zeros([n, t]) as tf.Tensor2D };
      const states: tf.Tensor3D[] = options.hiddenStates ? [pixels === null ? (h.clone() as tf.Tensor3D) : h] : [];
      // 'mean' pooling reads every patch of the last layer, so it keeps the full path.
      const firstOnly = options.firstTokenOnly === true && this.pooling !== 'mean';
      this.layers.forEach((layer, i) => {
        h = firstOnly && i === this.layers.length - 1 ? vitLayerFirstToken(h, layer, layerCtx) : vitLayer(h, layer, layerCtx);
        if (options.hiddenStates) states.push(h);
      });
      if (this.finalNorm !== null) h = layerNorm(h, this.finalNorm.weight, this.finalNorm.bias, this.config.layerNormEps) as tf.Tensor3D;
      // k = 0 without a final norm: the input passes through unchanged; the caller owns a copy.
      const hidden = (h === (input as { hidden?: tf.Tensor3D }).hidden ? h.clone() : h) as tf.Tensor3D;
      const out: ImageLayersOutput = { hidden, pooled: this.pool(hidden) };
      if (options.hiddenStates) out.hiddenStates = states;
      return out as unknown as tf.TensorContainer;
    }) as unknown as ImageLayersOutput;
  }

  private pool(hidden: tf.Tensor3D): tf.Tensor2D {
    if (this.pooler !== null) return tf.tanh(linear(tokenAt(hidden, 0), [this.pooler])) as tf.Tensor2D;
    if (this.pooling === 'first') return tokenAt(hidden, 0);
    const [n, t, d] = hidden.shape;
    return (t === 1 ? tf.reshape(hidden, [n, d]) : tf.mean(tf.slice(hidden, [0, 1, 0], [n, t - 1, d]), 1)) as tf.Tensor2D;
  }

  private checkInput(fn: string, input: ImageLayersInput): { values: Float32Array; n: number } | null {
    const { hiddenSize: h, numChannels: c, imageSize: s } = this.config;
    if (this.hasEmbeddings) {
      const px = (input as { pixelValues?: unknown }).pixelValues;
      if (!isTensor(px)) throw new MmauxFusionError('MISSING_INPUT', `${fn}: a stack with trainableLayers 'all' starts at the patch embeddings and reads { pixelValues } [N, ${c}, ${s}, ${s}]; got none.`);
      if (px.isDisposed) throw new MmauxFusionError('DISPOSED', `${fn}: pixelValues has been disposed.`);
      if (px.rank !== 4 || px.shape[0]! < 1 || px.shape[1] !== c || px.shape[2] !== s || px.shape[3] !== s) {
        throw new MmauxFusionError('INVALID_SHAPE', `${fn}: pixelValues must have shape [N, ${c}, ${s}, ${s}] (channels first, the model's image_size; resize with its image processor), got [${px.shape.join(', ')}].`);
      }
      return { values: px.dataSync() as Float32Array, n: px.shape[0]! };
    }
    const hidden = (input as { hidden?: unknown }).hidden;
    if (!isTensor(hidden)) {
      throw new MmauxFusionError('MISSING_INPUT', `${fn}: a top-${String(this.trainableLayers)} stack reads { hidden }: the hidden state entering layer ${this.firstLayer}; got no hidden.`);
    }
    if (hidden.isDisposed) throw new MmauxFusionError('DISPOSED', `${fn}: hidden has been disposed.`);
    if (hidden.rank !== 3 || hidden.shape[0]! < 1 || hidden.shape[1]! < 1 || hidden.shape[2] !== h) {
      throw new MmauxFusionError('INVALID_SHAPE', `${fn}: hidden must have shape [N, T, ${h}] (T = ${imageTokensOf(this.config)} for this ViT: CLS + patches), got [${hidden.shape.join(', ')}].`);
    }
    return null;
  }

  /**
   * The stack's variables under their HF names (`vit.` prefix), in the order of
   * {@link imageLayerWeightSpecs}; shapes are PyTorch's, so the values are a `state_dict`
   * fragment of a `ViTFor…` model. Pass them to an optimizer; save them by name.
   *
   * @returns `{ name, variable }` per weight
   */
  namedWeights(): readonly NamedWeight[] {
    return this.named;
  }

  /**
   * The weights grouped by depth (embeddings 0, layer i at i + 1, the final LayerNorm and the
   * pooler on top), deepest last, for layer-wise learning-rate decay.
   *
   * @returns one group per depth the stack holds
   */
  weightGroups(): TextLayerWeightGroup[] {
    return depthGroups(this.specs, this.named);
  }

  /**
   * The current values as checkpoint tensors (HF names with the `vit.` prefix, PyTorch layout),
   * e.g. to save them or to build an identical stack (`new ImageEncoderLayers(config, { weights })`).
   *
   * @returns name → `{ shape, data }`
   */
  async stateDict(): Promise<Map<string, HfWeight>> {
    if (this.disposed) throw new MmauxFusionError('DISPOSED', 'ImageEncoderLayers.stateDict: this stack has been disposed.');
    return stateDictOf(this.named);
  }

  /** Frees the variables; the stack cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { variable } of this.named) variable.dispose();
  }
}
