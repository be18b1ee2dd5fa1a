import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@mmaux/losses';
import { MmauxFusionError } from '../errors.js';
import { type ForwardContext, tokenAt } from '../layers.js';
import { checkpointValues, depthGroups, type HfWeight, type HfWeightSource, stateDictOf, type TextLayerWeightGroup } from '../checkpoint-weights.js';
import type { NamedWeight } from '../weights.js';
import { type BertLayerVariables, bertLayer, bertLayerFirstToken, type LayerContext } from './bert-layer.js';
import { checkTextLayersConfig, type TextEncoderLayersConfig } from './config.js';
import { bertEmbeddings, type EmbeddingVariables } from './embeddings.js';
import { initialValues } from './initial-values.js';
import { linear } from './linear.js';
import { packTokens, tokenPacking, unpackTokens } from './token-packing.js';
import { checkpointPrefixes, firstLayerOf, legacyNames, type TextLayerWeightSpec, textLayerWeightSpecs, type TrainableTextLayers } from './weight-names.js';

export type { HfWeight, HfWeightSource, TextLayerWeightGroup } from '../checkpoint-weights.js';

/** Options of {@link TextEncoderLayers}. */
export interface TextEncoderLayersOptions {
  /** The top k layers (`0 ≤ k ≤ numLayers`; 0: the pooler alone) or `'all'` (embeddings + every layer). */
  trainableLayers: TrainableTextLayers;
  /**
   * The pretrained weights, HF names (a model prefix such as `bert.` / `roberta.` and the
   * legacy `LayerNorm.gamma`/`beta` are accepted); tensors the stack does not hold are ignored.
   * Every weight of the stack must be there except the pooler's, which fill-mask RoBERTa / XLM-R
   * checkpoints lack: it then gets HF's initial values from `rng`, as `transformers` does.
   * @defaultValue none: every weight gets HF's initial values from `rng` (tests, benchmarks)
   */
  weights?: HfWeightSource;
  /** Generator of the initial values of weights `weights` lacks; required when any is missing. */
  rng?: Rng;
  /** Whether the stack holds the pooler (`tanh(W·h[:, 0] + b)`). @defaultValue true */
  pooler?: boolean;
  /**
   * With `trainableLayers: 'all'`, keep the word table a constant (`variable.trainable` false;
   * it gets no gradient): the table is most of a multilingual model (XLM-R / Bernice: 192M of
   * 278M weights), and training it needs its dense gradient and two AdamW moments besides, which
   * do not fit the wasm heap (4 GiB) with the rest. Position and type tables and the embedding
   * LayerNorm still train. @defaultValue false
   */
  freezeWordEmbeddings?: boolean;
}

/**
 * What {@link TextEncoderLayers.forward} reads: the hidden state entering layer `L − k`
 * (`hidden`) for a top-k stack, token ids for `'all'`. `mask` `[N, T]` is 1 for a real token,
 * 0 for padding (on the right: position 0, the `[CLS]`/`<s>`, is real).
 */
export type TextLayersInput =
  | { hidden: tf.Tensor3D; mask: tf.Tensor2D }
  | { inputIds: tf.Tensor2D; mask: tf.Tensor2D; tokenTypeIds?: tf.Tensor2D };

/** Options of {@link TextEncoderLayers.forward}. */
export interface TextLayersForwardOptions {
  /** Training mode: dropout on (HF's hidden and attention dropout). @defaultValue false */
  training?: boolean;
  /** The dropout generator; required with `training`. */
  rng?: Rng;
  /** Also return the hidden state entering the stack and each layer's output. @defaultValue false */
  hiddenStates?: boolean;
  /**
   * Compute the last layer at the first token only (`hidden` is then `[N, 1, H]`, the first
   * token's row; so is the last of `hiddenStates`): all a reader of the CLS / `<s>` token or
   * the pooled vector needs, and at k = 1 most of the step's work saved (keys and values are
   * still computed for every token). Eval outputs and gradients are those of the full stack;
   * in training the attention dropout draws fewer values, so the same generator gives other
   * masks. No effect at k = 0. @defaultValue false
   */
  firstTokenOnly?: boolean;
}

/** What {@link TextEncoderLayers.forward} returns; the caller owns (and disposes) the tensors. */
export interface TextLayersOutput {
  /** `[N, T, H]`, the last layer's output (HF's `last_hidden_state`) at real tokens; 0 at padding (the layers compute real tokens only; HF's padded rows carry values nothing reads). With k = 0, the input as given. */
  hidden: tf.Tensor3D;
  /** `[N, H]` pooler output, `tanh(W·hidden[:, 0] + b)`; null without a pooler. */
  pooled: tf.Tensor2D | null;
  /** With `hiddenStates`: k + 1 tensors `[N, T, H]`, the stack's input (for `'all'`: the embeddings' output) then each layer's output (0 at padding), as HF's `hidden_states[L − k …]` at real tokens. */
  hiddenStates?: tf.Tensor3D[];
}

const MASKED = -1e9;

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

const noRng: Rng = () => {
  throw new MmauxFusionError('INVALID_OPTION', 'TextEncoderLayers.forward: dropout needs a generator; pass { training: true, rng }.');
};

/**
 * The top of a BERT-family text encoder (BERT, RoBERTa, XLM-R / Bernice, BERTweet) as trainable
 * TensorFlow.js variables: encoder layers `L − k … L − 1` and the pooler, or (`'all'`) the
 * embeddings and every layer. Post-LN layers computed as HF's `BertLayer` does (exact erf GELU,
 * padded keys masked out, dropout in training), so that with a checkpoint's weights the outputs
 * equal the original model's (see the parity tests of `@mmaux/encoders`). The variables are the
 * checkpoint's tensors under their HF names and in PyTorch's layout ({@link namedWeights}); the
 * lower, frozen layers are not held at all, so they get no gradient. The layers compute the real
 * tokens alone (padding removed inside the stack: about half the work of a batch of tweets padded
 * to its longest), so padded rows of the output are 0. Runs forward and backward
 * on wasm (the fusion package's SIMD kernels for projections, attention heads and layer norm) and
 * on any other backend.
 *
 * @example
 * ```ts
 * const config = textLayersConfigFromHf({
 *   model_type: 'bert', hidden_size: 16, num_attention_heads: 2, intermediate_size: 32,
 *   num_hidden_layers: 4, vocab_size: 30,
 * });
 * const top = new TextEncoderLayers(config, { trainableLayers: 2, rng: createRng(1) });
 * top.namedWeights().length; // 34
 * top.namedWeights()[0].name; // "encoder.layer.2.attention.self.query.weight"
 * const hidden = tf.randomNormal([3, 5, 16], 0, 1, 'float32', 2); // the hidden state entering layer 2
 * const mask = tf.tensor2d([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]]);
 * const out = top.forward({ hidden, mask });
 * out.hidden.shape; // [3, 5, 16]
 * out.pooled.shape; // [3, 16]
 * const grads = tf.variableGrads(() => tf.sum(top.forward({ hidden, mask }, { training: true, rng: createRng(3) }).pooled));
 * Object.keys(grads.grads).length; // 34
 * top.dispose();
 * ```
 */
export class TextEncoderLayers {
  /** The encoder's shape. */
  readonly config: TextEncoderLayersConfig;
  /** k or `'all'`, as given. */
  readonly trainableLayers: TrainableTextLayers;
  /** The first encoder layer held: `numLayers − k`, 0 for `'all'`. */
  readonly firstLayer: number;
  /** Whether the stack holds the embeddings (`'all'`) and reads token ids. */
  readonly hasEmbeddings: boolean;
  /** Whether the stack holds the pooler. */
  readonly hasPooler: boolean;
  /** Weights that got initial values because `weights` lacked them (HF's "newly initialized" warning). */
  readonly initializedWeights: readonly string[];

  private readonly named: NamedWeight[] = [];
  private readonly specs: TextLayerWeightSpec[];
  private readonly embeddings: EmbeddingVariables | null = null;
  private readonly layers: BertLayerVariables[] = [];
  private readonly pooler: { weight: tf.Variable; bias: tf.Variable } | null = null;
  private disposed = false;

  /**
   * @param config - the encoder's shape ({@link textLayersConfigFromHf})
   * @param options - which layers, the weights, the generator for missing ones
   * @throws MmauxFusionError `INVALID_OPTION` (k out of range; a weight must be initialised but
   *   no `rng` was given), `WEIGHT_MISMATCH` (a weight of the stack is missing from `weights` or
   *   has another shape; the message names it)
   */
  constructor(config: TextEncoderLayersConfig, options: TextEncoderLayersOptions) {
    const fn = 'TextEncoderLayers';
    this.config = checkTextLayersConfig(fn, config);
    if (options === null || typeof options !== 'object') {
      throw new MmauxFusionError('INVALID_OPTION', `${fn}: options { trainableLayers } are required.`);
    }
    this.trainableLayers = options.trainableLayers;
    this.firstLayer = firstLayerOf(fn, this.config, options.trainableLayers);
    this.hasEmbeddings = options.trainableLayers === 'all';
    this.hasPooler = options.pooler ?? true;
    this.specs = textLayerWeightSpecs(this.config, options.trainableLayers, { pooler: this.hasPooler });
    const values = this.resolveValues(fn, options);
    const initialized: string[] = [];
    const variables = new Map<string, tf.Variable>();
    for (const spec of this.specs) {
      let data = values.get(spec.name);
      if (data === undefined) {
        data = initialValues(spec, this.config, options.rng!);
        initialized.push(spec.name);
      }
      const trainable = !(options.freezeWordEmbeddings === true && spec.name === 'embeddings.word_embeddings.weight');
      const variable = tf.tidy(() => tf.variable(tf.tensor(data!, spec.shape, 'float32'), trainable));
      variables.set(spec.name, variable);
      this.named.push({ name: spec.name, variable });
    }
    this.initializedWeights = Object.freeze(initialized);
    const v = (name: string) => variables.get(name)!;
    const lin = (p: string) => ({ weight: v(`${p}.weight`), bias: v(`${p}.bias`) });
    if (this.hasEmbeddings) {
      this.embeddings = {
        words: v('embeddings.word_embeddings.weight'),
        positions: v('embeddings.position_embeddings.weight'),
        tokenTypes: v('embeddings.token_type_embeddings.weight'),
        norm: lin('embeddings.LayerNorm'),
      };
    }
    for (let i = this.firstLayer; i < this.config.numLayers; i++) {
      const p = `encoder.layer.${i}`;
      this.layers.push({
        query: lin(`${p}.attention.self.query`),
        key: lin(`${p}.attention.self.key`),
        value: lin(`${p}.attention.self.value`),
        attentionOutput: lin(`${p}.attention.output.dense`),
        attentionNorm: lin(`${p}.attention.output.LayerNorm`),
        intermediate: lin(`${p}.intermediate.dense`),
        output: lin(`${p}.output.dense`),
        outputNorm: lin(`${p}.output.LayerNorm`),
      });
    }
    if (this.hasPooler) this.pooler = lin('pooler.dense');
  }

  /** The checkpoint's values of the stack's weights, by unprefixed name; validates shapes and what is missing. */
  private resolveValues(fn: string, options: TextEncoderLayersOptions): Map<string, Float32Array> {
    const c = this.config;
    const prefixes = checkpointPrefixes(c);
    return checkpointValues(
      fn,
      {
        specs: this.specs,
        namesOf: (name) => prefixes.flatMap((prefix) => legacyNames(name).map((n) => prefix + n)),
        optional: (name) => name.startsWith('pooler.'),
        model: `a ${c.architecture} encoder with hidden_size ${c.hiddenSize}, intermediate_size ${c.intermediateSize} and this vocabulary`,
        lookedFor: `with the prefixes ${prefixes.map((p) => JSON.stringify(p)).join(', ')}`,
        filter: 'textLayersWeightFilter',
      },
      options.weights,
      options.rng,
    );
  }

  /**
   * The stack's forward pass (differentiable with respect to every variable; an input `hidden`
   * is a constant).
   *
   * @param input - `{ hidden, mask }` (top-k) or `{ inputIds, mask, tokenTypeIds? }` (`'all'`)
   * @param options - training mode and dropout generator; `hiddenStates`; `firstTokenOnly`
   * @returns last hidden state `[N, T, H]` (`[N, 1, H]` with `firstTokenOnly`), pooled `[N, H]` (or null), optional hidden states
   * @throws MmauxFusionError `MISSING_INPUT`, `INVALID_SHAPE`, `INVALID_INPUT` (mask not 0/1 or
   *   not right-padded; an id outside the tables, a text longer than the position table),
   *   `DISPOSED`
   */
  forward(input: TextLayersInput, options: TextLayersForwardOptions = {}): TextLayersOutput {
    const fn = 'TextEncoderLayers.forward';
    if (this.disposed) throw new MmauxFusionError('DISPOSED', `${fn}: this stack has been disposed.`);
    if (input === null || typeof input !== 'object') throw new MmauxFusionError('MISSING_INPUT', `${fn}: input must be { hidden, mask } or { inputIds, mask }, got ${String(input)}.`);
    const training = options.training ?? false;
    if (training && typeof options.rng !== 'function') {
      throw new MmauxFusionError('INVALID_OPTION', `${fn}: training mode applies dropout and needs options.rng (a seeded generator).`);
    }
    const ctx: ForwardContext = { training, rng: options.rng ?? noRng };
    const { n, t, mask } = this.checkMask(fn, input);
    const ids = this.checkTokens(fn, input, n, t);
    return tf.tidy(() => {
      const bias = new Float32Array(n * t);
      for (let k = 0; k < bias.length; k++) bias[k] = mask[k] === 1 ? 0 : MASKED;
      // The layers work on the real tokens' rows alone (padding removed; see token-packing.ts).
      const packing = this.layers.length === 0 ? null : tokenPacking(mask, n, t);
      const layerCtx: LayerContext = { ...ctx, config: this.config, keyBias: tf.tensor2d(bias, [n, t]), packing };
      let h: tf.Tensor3D;
      let constant = false;
      if (ids !== null) {
        h = bertEmbeddings(fn, this.embeddings!, this.config, ids.ids, ids.types, n, t, ctx);
      } else {
        h = (input as { hidden: tf.Tensor3D }).hidden;
        constant = true;
      }
      const states: tf.Tensor3D[] = options.hiddenStates ? [constant ? (h.clone() as tf.Tensor3D) : h] : [];
      const grid = (x: tf.Tensor3D) => (packing === null ? x : unpackTokens(x, packing));
      if (packing !== null) h = packTokens(h, packing);
      const firstOnly = options.firstTokenOnly === true;
      this.layers.forEach((layer, i) => {
        const last = i === this.layers.length - 1;
        // The first-token layer returns [N, 1, H], never packed.
        h = last && firstOnly ? bertLayerFirstToken(h, layer, layerCtx, constant) : bertLayer(h, layer, layerCtx, constant);
        constant = false;
        if (options.hiddenStates) states.push(last && firstOnly ? h : grid(h));
      });
      if (packing !== null && !firstOnly) h = options.hiddenStates ? states[states.length - 1]! : grid(h);
      // k = 0: the input passes through unchanged; the caller owns a copy.
      const hidden = (h === (input as { hidden?: tf.Tensor3D }).hidden ? h.clone() : h) as tf.Tensor3D;
      const pooled = this.pooler === null ? null : (tf.tanh(linear(tokenAt(hidden, 0), [this.pooler])) as tf.Tensor2D);
      const out: TextLayersOutput = { hidden, pooled };
      if (options.hiddenStates) out.hiddenStates = states;
      return out as unknown as tf.TensorContainer;
    }) as unknown as TextLayersOutput;
  }

  private checkMask(fn: string, input: TextLayersInput): { n: number; t: number; mask: Float32Array } {
    const m = input.mask;
    if (!isTensor(m) || m.rank !== 2) throw new MmauxFusionError('INVALID_SHAPE', `${fn}: mask must be a [N, T] tensor, got ${isTensor(m) ? `[${m.shape.join(', ')}]` : typeof m}.`);
    if (m.isDisposed) throw new MmauxFusionError('DISPOSED', `${fn}: mask has been disposed.`);
    const [n, t] = m.shape as [number, number];
    if (n < 1 || t < 1) throw new MmauxFusionError('INVALID_SHAPE', `${fn}: mask is empty ([${n}, ${t}]).`);
    const values = m.dataSync();
    const mask = new Float32Array(n * t);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < t; j++) {
        const x = values[i * t + j] as number;
        if (x !== 0 && x !== 1) throw new MmauxFusionError('INVALID_INPUT', `${fn}: mask[${i}][${j}] = ${x}; a mask holds 1 (real token) or 0 (padding).`);
        mask[i * t + j] = x;
      }
      if (mask[i * t] !== 1) {
        throw new MmauxFusionError('INVALID_INPUT', `${fn}: mask[${i}][0] is 0; position 0 (the [CLS]/<s> token, which the pooler reads) must be real. Pad on the right.`);
      }
    }
    return { n, t, mask };
  }

  private checkTokens(fn: string, input: TextLayersInput, n: number, t: number): { ids: Int32Array; types: Int32Array | null } | null {
    const h = this.config.hiddenSize;
    if (this.hasEmbeddings) {
      const { inputIds, tokenTypeIds } = input as { inputIds?: unknown; tokenTypeIds?: unknown };
      if (!isTensor(inputIds)) {
        throw new MmauxFusionError('MISSING_INPUT', `${fn}: a stack with trainableLayers 'all' starts at the embeddings and reads { inputIds, mask }, got no inputIds.`);
      }
      const read = (x: tf.Tensor, name: string): Int32Array => {
        if (x.rank !== 2 || x.shape[0] !== n || x.shape[1] !== t) throw new MmauxFusionError('INVALID_SHAPE', `${fn}: ${name} must have the mask's shape [${n}, ${t}], got [${x.shape.join(', ')}].`);
        if (x.isDisposed) throw new MmauxFusionError('DISPOSED', `${fn}: ${name} has been disposed.`);
        return Int32Array.from(x.dataSync());
      };
      return { ids: read(inputIds, 'inputIds'), types: isTensor(tokenTypeIds) ? read(tokenTypeIds, 'tokenTypeIds') : null };
    }
    const hidden = (input as { hidden?: unknown }).hidden;
    if (!isTensor(hidden)) {
      throw new MmauxFusionError('MISSING_INPUT', `${fn}: a top-${String(this.trainableLayers)} stack reads { hidden, mask }: the hidden state entering layer ${this.firstLayer}; got no hidden.`);
    }
    if (hidden.rank !== 3 || hidden.shape[0] !== n || hidden.shape[1] !== t || hidden.shape[2] !== h) {
      throw new MmauxFusionError('INVALID_SHAPE', `${fn}: hidden must have shape [${n}, ${t}, ${h}] (the mask's [N, T] and hidden_size), got [${hidden.shape.join(', ')}].`);
    }
    if (hidden.isDisposed) throw new MmauxFusionError('DISPOSED', `${fn}: hidden has been disposed.`);
    return null;
  }

  /**
   * The stack's variables under their HF names (no model prefix), in the order of
   * {@link textLayerWeightSpecs}; shapes are PyTorch's (a Linear weight `[out, in]`), so the
   * values are a `state_dict` fragment. Pass the trainable ones (`variable.trainable`: all but a
   * frozen word table) to an optimizer; save them by name.
   *
   * @returns `{ name, variable }` per weight
   */
  namedWeights(): readonly NamedWeight[] {
    return this.named;
  }

  /**
   * The trainable weights grouped by depth (embeddings 0, layer i at i + 1, the pooler on top),
   * deepest last, for layer-wise learning-rate decay: `lr_depth = lr · decay^(top − depth)`.
   *
   * @returns one group per depth the stack trains
   */
  weightGroups(): TextLayerWeightGroup[] {
    return depthGroups(this.specs, this.named);
  }

  /**
   * The current values as checkpoint tensors (unprefixed HF names, PyTorch layout), e.g. to
   * save them or to build an identical stack (`new TextEncoderLayers(config, { weights })`).
   *
   * @returns name → `{ shape, data }`
   */
  async stateDict(): Promise<Map<string, HfWeight>> {
    if (this.disposed) throw new MmauxFusionError('DISPOSED', 'TextEncoderLayers.stateDict: this stack has been disposed.');
    return stateDictOf(this.named);
  }

  /** Frees the variables; the stack cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { variable } of this.named) variable.dispose();
  }
}
