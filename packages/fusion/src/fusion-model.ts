import * as tf from '@tensorflow/tfjs';
import { createRng, LogitScale, type Rng } from '@mmaux/losses';
import { type FusionConfig, type FusionKind, type FusionModelOptions, isUnimodalKind, resolveConfig } from './config.js';
import { MmauxFusionError } from './errors.js';
import { type CheckedBatch, checkInput, type EncoderLayersFusionInput, type FusionInput, type ImageFeatures, type TextFeatures, type TextLayersFusionInput } from './features.js';
import { attentionCore } from './cores/attention.js';
import { concatCore } from './cores/concat.js';
import { dualStreamCore } from './cores/dual-stream.js';
import { gmuCore } from './cores/gmu.js';
import { rowRange } from './cores/rows.js';
import { singleStreamCore } from './cores/single-stream.js';
import { imageOnlyCore, textOnlyCore } from './cores/unimodal.js';
import type { CoreNeeds, FuseResult, FusionCore, InputReads, Rows } from './fusion-core.js';
import { dense, dropout, type ForwardContext, selectRows, tokenAt } from './layers.js';
import type { ImageEncoderLayers } from './image-layers/image-encoder-layers.js';
import type { TextEncoderLayers, TextLayersInput } from './text-layers/text-encoder-layers.js';
import { saveFusionModel } from './save-load.js';
import { type DenseWeights, denseWeights, type NamedWeight, WeightStore } from './weights.js';

/** Options of {@link FusionModel.forward} and {@link FusionModel.matchLogits}. */
export interface ForwardOptions {
  /** Training mode: dropout on. @defaultValue false */
  training?: boolean;
  /**
   * Dropout generator for this call (training only). @defaultValue the model's own generator,
   * seeded from `config.seed`, which advances with each training call
   */
  rng?: Rng;
  /**
   * Also score swapped pairs for ITM: post i's image with post `itmPartner[i]`'s text. Both
   * pairings go through the fusion layers together, sharing each modality's own computation. A
   * function receives the matched pairs' ITC embeddings first (for hard negatives drawn from the
   * ITC similarity). Not for unimodal kinds.
   */
  itmPartner?: ArrayLike<number> | ((matched: ItcEmbeddings) => ArrayLike<number>);
  /**
   * Compute the ITC embeddings (`textEmbedding`, `imageEmbedding`); a CE-only step leaves them
   * out. @defaultValue true
   */
  embeddings?: boolean;
}

/** The ITC embeddings of the matched pairs, `[N, projectionDim]` each, unnormalised. */
export interface ItcEmbeddings {
  textEmbedding: tf.Tensor2D;
  imageEmbedding: tf.Tensor2D;
}

/** What {@link FusionModel.forward} returns; the caller owns (and disposes) the tensors. */
export interface FusionOutput {
  /** `[N, numClasses]` class logits (classifier on dropout(fused)). */
  classLogits: tf.Tensor2D;
  /** `[N, projectionDim]` text embedding for ITC, unnormalised; `null` for unimodal kinds and with `embeddings: false`. */
  textEmbedding: tf.Tensor2D | null;
  /** `[N, projectionDim]` image embedding for ITC, unnormalised; `null` as `textEmbedding`. */
  imageEmbedding: tf.Tensor2D | null;
  /** `[N, hiddenDim]` fused representation of each (text i, image i) pair. */
  fused: tf.Tensor2D;
  /** `[N, 2]` ITM logits (not matched, matched) of (text `partner[i]`, image i), when `itmPartner` was given. */
  matchLogits?: tf.Tensor2D;
  /** The partners used for `matchLogits`. */
  partner?: Int32Array;
}

function coreFor(config: FusionConfig, store: WeightStore): FusionCore {
  switch (config.kind) {
    case 'text-only':
      return textOnlyCore(config, store);
    case 'image-only':
      return imageOnlyCore(config, store);
    case 'concat':
      return concatCore(config, store);
    case 'attention':
      return attentionCore(config, store);
    case 'gmu':
      return gmuCore(config, store);
    case 'single-stream':
      return singleStreamCore(config, store);
    case 'dual-stream':
      return dualStreamCore(config, store);
  }
}

function readPartner(fn: string, partner: ArrayLike<number>, n: number): Int32Array {
  if (partner === null || typeof partner !== 'object' || partner.length !== n) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: itmPartner must hold one index per post (${n}), got ${partner === null || typeof partner !== 'object' ? String(partner) : `${partner.length} entries`}.`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = partner[i] as number;
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new MmauxFusionError('INVALID_OPTION', `${fn}: itmPartner[${i}] = ${String(j)} is not a post index in [0, ${n - 1}].`);
    }
    out[i] = j;
  }
  return out;
}

/** The checked-batch facts of text rows taken in `order` (row i is post order[i]). */
function reorderBatch(batch: CheckedBatch, order: Int32Array): CheckedBatch {
  if (batch.mask === undefined) return { ...batch, n: order.length };
  const l = batch.textLength!;
  const mask = new Float32Array(order.length * l);
  const lastReal = new Int32Array(order.length);
  order.forEach((j, i) => {
    mask.set(batch.mask!.subarray(j * l, (j + 1) * l), i * l);
    lastReal[i] = batch.lastReal![j] as number;
  });
  return { ...batch, n: order.length, mask, lastReal };
}

/** Text-side rows taken in `order` (differentiable row selection). */
function reorderRows(rows: Rows, order: Int32Array): Rows {
  return Object.fromEntries(Object.entries(rows).map(([name, t]) => [name, selectRows(t, order)]));
}

/**
 * The ITM pass's rows after `first` rows already fused: only pairs whose text is swapped need a
 * pass of their own (a kept pair, partner[i] = i, is the matched pair; ALBEF scores its positives
 * on the main pass likewise), or every pair where the core cannot fuse a subset. `text`/`image`:
 * the extra rows' posts; `pick[i]`: the row of [first rows; extra rows] that holds pair i.
 */
function swappedRows(partner: Int32Array, first: number, subsets: boolean): { text: Int32Array; image: Int32Array; pick: Int32Array } {
  const swapped = Array.from(partner.keys()).filter((i) => !subsets || partner[i] !== i);
  const pick = Int32Array.from(partner.keys());
  swapped.forEach((i, k) => (pick[i] = first + k));
  return { text: Int32Array.from(swapped, (i) => partner[i]!), image: Int32Array.from(swapped), pick };
}

/** `a` then `b` as one row order. */
function joined(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** `batch` pairing its text rows with image rows `order`; left as row r mod N where `order` is just that. */
function withImageOrder(batch: CheckedBatch, order: Int32Array, n: number): CheckedBatch {
  return order.length % n === 0 && order.every((j, r) => j === r % n) ? batch : { ...batch, imageOrder: order };
}

/**
 * A trainable fusion model on frozen encoder features: fusion layers of one {@link FusionKind},
 * a classification head with dropout, ITC projection heads with a learnable {@link LogitScale},
 * and a 2-way ITM head on the fused representation. Create with {@link createFusionModel} or
 * {@link loadFusionModel}.
 *
 * @example
 * ```ts
 * const model = createFusionModel('concat', { textDim: 8, imageDim: 6, numClasses: 3, hiddenDim: 16, projectionDim: 4, seed: 1 });
 * model instanceof FusionModel; // true
 * model.kind; // "concat"
 * model.trainableWeights.length; // 9
 * model.weightNames().slice(0, 3); // ["concat/dense/kernel", "concat/dense/bias", "classifier/kernel"]
 * model.dispose();
 * ```
 */
export class FusionModel {
  /** The resolved configuration (every default filled in), as saved in `model.json`. */
  readonly config: Readonly<FusionConfig>;
  /** The learnable ITC log inverse temperature; `null` for unimodal kinds. */
  readonly logitScale: LogitScale | null;
  private readonly store: WeightStore;
  private readonly core: FusionCore;
  private readonly classifier: DenseWeights;
  private readonly itm: DenseWeights | null;
  private readonly textProjection: tf.Variable | null;
  private readonly imageProjection: tf.Variable | null;
  private readonly dropoutRng: Rng;
  private readonly encoderLayers: TextEncoderLayers | null;
  private readonly imageEncoderLayers: ImageEncoderLayers | null;
  private readonly allWeights: readonly NamedWeight[];
  private disposed = false;

  /** @internal Use {@link createFusionModel}. */
  constructor(config: FusionConfig, textLayers: TextEncoderLayers | null = null, imageLayers: ImageEncoderLayers | null = null) {
    if ((config.textLayers === undefined) !== (textLayers === null)) {
      throw new MmauxFusionError('INVALID_OPTION', 'FusionModel: config.textLayers and the text layers given must both be present or both absent; use createFusionModel.');
    }
    if ((config.imageLayers === undefined) !== (imageLayers === null)) {
      throw new MmauxFusionError('INVALID_OPTION', 'FusionModel: config.imageLayers and the image layers given must both be present or both absent; use createFusionModel.');
    }
    this.config = Object.freeze({ ...config });
    this.encoderLayers = textLayers;
    this.imageEncoderLayers = imageLayers;
    this.store = new WeightStore(createRng(config.seed));
    this.dropoutRng = createRng((config.seed ^ 0x2545f491) >>> 0);
    const store = this.store;
    this.core = coreFor(config, store);
    this.classifier = denseWeights(store, 'classifier', config.hiddenDim, config.numClasses);
    if (isUnimodalKind(config.kind)) {
      this.itm = null;
      this.textProjection = null;
      this.imageProjection = null;
      this.logitScale = null;
    } else {
      this.itm = denseWeights(store, 'itm', config.hiddenDim, 2);
      const fromFusion = config.itcSource === 'fusion';
      this.textProjection = store.kernel('itc/text_projection/kernel', fromFusion ? config.hiddenDim : config.textDim, config.projectionDim);
      this.imageProjection = store.kernel('itc/image_projection/kernel', fromFusion ? config.hiddenDim : config.imageDim, config.projectionDim);
      this.logitScale = new LogitScale({ initial: config.logitScale });
      store.adopt('itc/logit_scale', this.logitScale.variable);
    }
    // The encoder's weights keep their HF names (no '/', so never a fusion weight's name).
    // The image layers' are prefixed `vit.`, so they never clash with the text layers'.
    this.allWeights = [...store.list(), ...(textLayers?.namedWeights() ?? []), ...(imageLayers?.namedWeights() ?? [])];
  }

  /**
   * The text encoder layers this model trains (`options.textLayers` of
   * {@link createFusionModel}), or null for a model on frozen text features. Their weights are
   * among {@link weights} under their HF names; {@link TextEncoderLayers.weightGroups} gives
   * them by depth for their own learning rates ({@link textLayerParamGroups}).
   */
  get textLayers(): TextEncoderLayers | null {
    return this.encoderLayers;
  }

  /**
   * The image encoder layers this model trains (`options.imageLayers` of
   * {@link createFusionModel}), or null for a model on frozen image features. Their weights are
   * among {@link weights} under their `vit.` HF names; {@link imageLayerParamGroups} gives them
   * their own learning rates.
   */
  get imageLayers(): ImageEncoderLayers | null {
    return this.imageEncoderLayers;
  }

  /** The fusion kind. */
  get kind(): FusionKind {
    return this.config.kind;
  }

  /** Every weight with its stable name, in creation order (the logit scale included), then the text encoder layers' under their HF names, then the image encoder layers' (`vit.` names). */
  get weights(): readonly NamedWeight[] {
    return this.allWeights;
  }

  /** The variables an optimizer updates: every weight, the logit scale included (not a frozen word table of the text layers). */
  get trainableWeights(): tf.Variable[] {
    return this.allWeights.filter((w) => w.variable.trainable).map((w) => w.variable);
  }

  /** Stable weight names, in creation order. */
  weightNames(): string[] {
    return this.allWeights.map((w) => w.name);
  }

  /** The weight called `name` (e.g. `attention/q/kernel`, or a text layer's `encoder.layer.11.output.dense.weight`). */
  getWeight(name: string): tf.Variable {
    const layer = this.encoderLayers?.namedWeights().find((w) => w.name === name) ?? this.imageEncoderLayers?.namedWeights().find((w) => w.name === name);
    return layer === undefined ? this.store.get(name) : layer.variable;
  }

  /** Number of trainable scalars. */
  countParameters(): number {
    return this.allWeights.filter((w) => w.variable.trainable).reduce((sum, w) => sum + w.variable.size, 0);
  }

  private assertLive(fn: string): void {
    if (this.disposed) throw new MmauxFusionError('DISPOSED', `${fn}: this model has been disposed.`);
  }

  private context(options: ForwardOptions): ForwardContext {
    return { training: options.training ?? false, rng: options.rng ?? this.dropoutRng };
  }

  /**
   * What this kind reads of its inputs: a caller (the trainer's feature cache) builds only
   * that. `'first'` token or patch: a `[N, 1, D]` tensor is enough; `'none'`: a `[N, 1, D]`
   * placeholder is enough (only `pooled` is read).
   */
  get reads(): InputReads {
    // Encoder layers read every token's hidden state (attention mixes them).
    return {
      ...this.core.reads,
      ...(this.encoderLayers === null ? {} : { textTokens: 'all' as const }),
      ...(this.imageEncoderLayers === null ? {} : { imagePatches: 'all' as const }),
    };
  }

  /**
   * The text features the fusion layers read when the model owns text encoder layers: the
   * layers' output tokens and pooled vector (the CLS token's output without a pooler), computed
   * from the hidden state entering layer `L − k` (or token ids for `'all'`). Inside a tidy.
   */
  private encodeText(fn: string, text: TextLayersInput | TextFeatures | undefined, ctx: ForwardContext): TextFeatures {
    if (text === null || typeof text !== 'object') {
      throw new MmauxFusionError('MISSING_INPUT', `${fn}: a model with text encoder layers needs input.text = { hidden, mask } (the hidden state entering layer ${this.encoderLayers!.firstLayer})${this.encoderLayers!.hasEmbeddings ? ' or { inputIds, mask }' : ''}, got ${String(text)}.`);
    }
    const raw = text as { hidden?: tf.Tensor3D; tokens?: tf.Tensor3D; inputIds?: tf.Tensor2D; tokenTypeIds?: tf.Tensor2D; mask: tf.Tensor2D };
    const input: TextLayersInput = this.encoderLayers!.hasEmbeddings
      ? { inputIds: raw.inputIds as tf.Tensor2D, mask: raw.mask, ...(raw.tokenTypeIds === undefined ? {} : { tokenTypeIds: raw.tokenTypeIds }) }
      : { hidden: (raw.hidden ?? raw.tokens) as tf.Tensor3D, mask: raw.mask };
    // A kind that reads only the first text token (or the pooled vector) gets the last layer computed there alone.
    const firstTokenOnly = this.core.reads.textTokens !== 'all';
    const out = this.encoderLayers!.forward(input, { ...(ctx.training ? { training: true, rng: ctx.rng } : {}), firstTokenOnly });
    const [n, t] = raw.mask.shape;
    const mask = out.hidden.shape[1] === t ? raw.mask : (tf.ones([n, 1]) as tf.Tensor2D);
    return { tokens: out.hidden, mask, pooled: out.pooled ?? tokenAt(out.hidden, 0) };
  }

  /**
   * The image features the fusion layers read when the model owns image encoder layers: the
   * layers' last hidden state as the patches and their pooled vector, computed from the hidden
   * state entering layer `L − k`. Inside a tidy.
   */
  private encodeImage(fn: string, image: EncoderLayersFusionInput['image'], ctx: ForwardContext): ImageFeatures {
    const raw = image as { hidden?: tf.Tensor3D; patches?: tf.Tensor3D } | undefined;
    const hidden = raw === null || typeof raw !== 'object' ? undefined : (raw.hidden ?? raw.patches);
    if (hidden === undefined) {
      throw new MmauxFusionError('MISSING_INPUT', `${fn}: a model with image encoder layers needs input.image = { hidden } (the hidden state entering layer ${this.imageEncoderLayers!.firstLayer}) or { patches, pooled } holding it, got ${String(image)}.`);
    }
    // A kind that reads only the CLS patch (or the pooled vector) gets the last layer computed
    // there alone: the patches are then [N, 1, H], which is all such a core reads.
    const firstTokenOnly = this.core.reads.imagePatches !== 'all';
    const out = this.imageEncoderLayers!.forward({ hidden }, { ...(ctx.training ? { training: true, rng: ctx.rng } : {}), firstTokenOnly });
    return { patches: out.hidden, pooled: out.pooled };
  }

  /** The ITC embeddings from their sources: the fusion layers' per-modality parts, or the pooled features. */
  private embed(input: FusionInput, source: { textSummary?: tf.Tensor2D; imageSummary?: tf.Tensor2D }): ItcEmbeddings {
    const fromFusion = this.config.itcSource === 'fusion';
    const t = fromFusion ? source.textSummary! : input.text!.pooled;
    const v = fromFusion ? source.imageSummary! : input.image!.pooled;
    // Pooled features are frozen inputs (constants) unless text layers compute them; fusion outputs carry gradients back.
    return {
      textEmbedding: dense(t, this.textProjection!, undefined, !fromFusion && this.encoderLayers === null) as tf.Tensor2D,
      imageEmbedding: dense(v, this.imageProjection!, undefined, !fromFusion && this.imageEncoderLayers === null) as tf.Tensor2D,
    };
  }

  /**
   * Runs the model on a batch of features. Padded text positions never change an output. In
   * training mode dropout is drawn from `options.rng` (or the model's seeded generator).
   * Differentiable with respect to every weight; call it inside `tf.variableGrads` to train.
   *
   * @param input - `{ text: { tokens, mask, pooled }, image: { patches, pooled } }` (unimodal
   *   kinds need only their modality)
   * @param options - `training` (false), `rng`, `itmPartner`
   * @returns `{ classLogits, textEmbedding, imageEmbedding, fused }`, plus `matchLogits` and
   *   `partner` when `itmPartner` is given
   * @throws MmauxFusionError `INVALID_SHAPE`, `INVALID_INPUT` (mask not 0/1, padding at position 0),
   *   `MISSING_INPUT`, `UNSUPPORTED` (`itmPartner` on a unimodal kind), `INVALID_OPTION`, `DISPOSED`
   *
   * @example
   * ```ts
   * const model = createFusionModel('attention', { textDim: 4, imageDim: 4, numClasses: 2, hiddenDim: 8, projectionDim: 6, seed: 3 });
   * const text = { tokens: tf.ones([2, 3, 4]), mask: tf.tensor2d([[1, 1, 0], [1, 0, 0]]), pooled: tf.ones([2, 4]) };
   * const image = { patches: tf.ones([2, 5, 4]), pooled: tf.ones([2, 4]) };
   * const out = model.forward({ text, image }, { itmPartner: [1, 0] });
   * out.classLogits.shape; // [2, 2]
   * out.textEmbedding.shape; // [2, 6]
   * out.fused.shape; // [2, 8]
   * out.matchLogits.shape; // [2, 2]
   * ```
   */
  forward(input: FusionInput | TextLayersFusionInput | EncoderLayersFusionInput, options: ForwardOptions = {}): FusionOutput {
    const fn = 'FusionModel.forward';
    this.assertLive(fn);
    if (this.encoderLayers === null && this.imageEncoderLayers === null) return this.fuseFeatures(fn, input as FusionInput, checkInput(fn, this.config, input as FusionInput), options);
    if (input === null || typeof input !== 'object') throw new MmauxFusionError('MISSING_INPUT', `${fn}: input must be { text, image }, got ${String(input)}.`);
    const ctx = this.context(options);
    return tf.tidy(() => {
      const features = this.encodeFeatures(fn, input, ctx);
      return this.fuseFeatures(fn, features, checkInput(fn, this.config, features), options) as unknown as tf.TensorContainer;
    }) as unknown as FusionOutput;
  }

  /** The features the fusion layers read: each modality's encoder layers' output, or the frozen features as given. Inside a tidy. */
  private encodeFeatures(fn: string, input: EncoderLayersFusionInput, ctx: ForwardContext): FusionInput {
    const features: FusionInput = {};
    if (this.encoderLayers !== null) features.text = this.encodeText(fn, input.text, ctx);
    else if (input.text !== undefined) features.text = input.text as TextFeatures;
    if (this.imageEncoderLayers !== null) {
      if (this.kind !== 'text-only') features.image = this.encodeImage(fn, input.image, ctx);
    } else if (input.image !== undefined) features.image = input.image as ImageFeatures;
    return features;
  }

  /** {@link forward} on features (the encoders', or the encoder layers' output). */
  private fuseFeatures(fn: string, input: FusionInput, batch: CheckedBatch, options: ForwardOptions): FusionOutput {
    if (options.itmPartner !== undefined && this.itm === null) {
      throw new MmauxFusionError('UNSUPPORTED', `${fn}: a '${this.kind}' model has no ITM head (unimodal kinds see one modality); leave itmPartner out.`);
    }
    const ctx = this.context(options);
    const wantEmbeddings = this.textProjection !== null && (options.embeddings ?? true);
    const fromFusion = this.config.itcSource === 'fusion';
    const needs: CoreNeeds = { summaries: wantEmbeddings && fromFusion, itm: options.itmPartner !== undefined };
    return tf.tidy(() => {
      const n = batch.n;
      const encoded = this.core.encode(input, batch, ctx, needs);
      // Late-fusion kinds give their ITC sources with the encoding; transformers after fusing.
      let embeddings = wantEmbeddings && (!fromFusion || encoded.textSummary !== undefined) ? this.embed(input, encoded) : null;
      const embedFrom = (result: FuseResult, rows: number) => {
        if (embeddings === null && wantEmbeddings) {
          embeddings = this.embed(input, { textSummary: rowRange(result.textSummary!, 0, rows), imageSummary: rowRange(result.imageSummary!, 0, rows) });
        }
      };
      let matched: FuseResult | null = null;
      let partner: Int32Array | null = null;
      const raw = options.itmPartner;
      if (typeof raw === 'function') {
        if (embeddings === null) {
          // Hard negatives need the similarity before the swapped pass: fuse the matched pairs first.
          matched = this.core.fuse(encoded.text, encoded.image, batch, ctx, needs);
          embedFrom(matched, n);
        }
        if (embeddings === null) throw new MmauxFusionError('INVALID_OPTION', `${fn}: an itmPartner function needs the ITC embeddings; leave embeddings on.`);
        partner = readPartner(fn, raw(embeddings), n);
      } else if (raw !== undefined) {
        partner = readPartner(fn, raw, n);
      }
      let fused: tf.Tensor2D;
      let swappedFused: tf.Tensor2D | null = null;
      if (partner === null) {
        matched = this.core.fuse(encoded.text, encoded.image, batch, ctx, needs);
        embedFrom(matched, n);
        fused = matched.fused;
      } else if (matched !== null) {
        fused = matched.fused;
        const extra = swappedRows(partner, n, this.core.fusesSubsets);
        const swapped = extra.text.length === 0 ? null : this.core.fuse(reorderRows(encoded.text, extra.text), encoded.image, withImageOrder(reorderBatch(batch, extra.text), extra.image, n), ctx, needs).fused;
        // No pair swapped: the matched rows; every pair: the new rows as they are.
        swappedFused = swapped === null ? fused : extra.text.length === n ? swapped : selectRows(tf.concat([fused, swapped]), extra.pick);
      } else {
        // The matched pairs and the swapped ones as N + S rows of one pass.
        const extra = swappedRows(partner, n, this.core.fusesSubsets);
        const matchedOrder = Int32Array.from(partner.keys());
        const order = joined(matchedOrder, extra.text);
        const both = this.core.fuse(reorderRows(encoded.text, order), encoded.image, withImageOrder(reorderBatch(batch, order), joined(matchedOrder, extra.image), n), ctx, needs);
        embedFrom(both, n);
        fused = rowRange(both.fused, 0, n);
        const s = extra.text.length;
        swappedFused = s === 0 ? fused : s === n ? rowRange(both.fused, n, n) : selectRows(both.fused, extra.pick);
      }
      const classLogits = dense(dropout(fused, this.config.dropout, ctx), this.classifier.kernel, this.classifier.bias) as tf.Tensor2D;
      const e = embeddings as ItcEmbeddings | null;
      const output: FusionOutput = { classLogits, textEmbedding: e?.textEmbedding ?? null, imageEmbedding: e?.imageEmbedding ?? null, fused };
      if (swappedFused !== null) {
        output.matchLogits = dense(swappedFused, this.itm!.kernel, this.itm!.bias) as tf.Tensor2D;
        output.partner = partner!;
      }
      return output as unknown as tf.TensorContainer;
    }) as unknown as FusionOutput;
  }

  /**
   * ITM logits `[N, 2]` (column 0: not matched, column 1: matched) of the pairs (text i, image i),
   * from the ITM head on the fused representation (no dropout on the head; the fusion layers'
   * own dropout applies in training mode).
   *
   * @param text - text features of N posts
   * @param image - image features of the same N rows
   * @param options - `training` (false), `rng`
   * @returns `[N, 2]` logits
   * @throws MmauxFusionError `UNSUPPORTED` for unimodal kinds, and as {@link FusionModel.forward}
   *
   * @example
   * ```ts
   * const model = createFusionModel('gmu', { textDim: 4, imageDim: 4, numClasses: 2, hiddenDim: 8, seed: 3 });
   * const text = { tokens: tf.ones([3, 2, 4]), mask: tf.ones([3, 2]), pooled: tf.ones([3, 4]) };
   * const image = { patches: tf.ones([3, 1, 4]), pooled: tf.ones([3, 4]) };
   * model.matchLogits(text, image).shape; // [3, 2]
   * ```
   */
  matchLogits(text: TextFeatures | TextLayersInput, image: ImageFeatures | { hidden: tf.Tensor3D }, options: Omit<ForwardOptions, 'itmPartner'> = {}): tf.Tensor2D {
    const fn = 'FusionModel.matchLogits';
    this.assertLive(fn);
    if (this.itm === null) {
      throw new MmauxFusionError('UNSUPPORTED', `${fn}: a '${this.kind}' model has no ITM head; image-text matching needs both modalities.`);
    }
    const ctx = this.context(options);
    const needs: CoreNeeds = { summaries: false, itm: false };
    const frozen = this.encoderLayers === null && this.imageEncoderLayers === null;
    const direct = frozen ? checkInput(fn, this.config, { text: text as TextFeatures, image: image as ImageFeatures }) : null;
    return tf.tidy(() => {
      const features = frozen ? { text: text as TextFeatures, image: image as ImageFeatures } : this.encodeFeatures(fn, { text, image }, ctx);
      const batch = direct ?? checkInput(fn, this.config, features);
      const encoded = this.core.encode(features, batch, ctx, needs);
      const { fused } = this.core.fuse(encoded.text, encoded.image, batch, ctx, needs);
      return dense(fused, this.itm!.kernel, this.itm!.bias) as tf.Tensor2D;
    });
  }

  /**
   * Writes the model to `dir`: `model.json` (format, configuration, weight names, shapes and
   * byte offsets, SHA-256 of the weights) and `weights.bin` (float32, little-endian). Files are
   * written under temporary names and renamed, `model.json` last, so an interrupted save never
   * leaves a pair that loads.
   *
   * @param dir - folder to create or overwrite
   * @throws MmauxFusionError `DISPOSED`, `UNSUPPORTED` (no node:fs: a browser); file-system
   *   errors as thrown by node:fs
   *
   * @example
   * ```ts
   * const model = createFusionModel('concat', { textDim: 4, imageDim: 4, numClasses: 2, hiddenDim: 8, seed: 5 });
   * const dir = `${os.tmpdir()}/fusion-doc-${process.pid}`;
   * await model.save(dir);
   * const copy = await loadFusionModel(dir);
   * copy.getWeight('concat/dense/kernel').arraySync()[0][0] === model.getWeight('concat/dense/kernel').arraySync()[0][0]; // true
   * ```
   */
  async save(dir: string): Promise<void> {
    this.assertLive('FusionModel.save');
    await saveFusionModel(this, dir);
  }

  /** Frees every weight (and the logit scale). The model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.store.list()) w.variable.dispose();
    this.encoderLayers?.dispose();
    this.imageEncoderLayers?.dispose();
  }
}

/**
 * Creates a fusion model of `kind` with seeded initial weights (Glorot-uniform kernels, zero
 * biases, unit layer norms, truncated-normal(0.02) embeddings, logit scale `ln(1/0.07)`):
 * the same seed and options give the same weights on every backend.
 *
 * @param kind - `'text-only' | 'image-only' | 'concat' | 'attention' | 'gmu' | 'single-stream' | 'dual-stream'`
 * @param options - `textDim`, `imageDim`, `numClasses`, `seed` (required) and the defaults of
 *   {@link FusionModelOptions}
 * @returns a {@link FusionModel}
 * @throws MmauxFusionError `INVALID_KIND`, `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const model = createFusionModel('single-stream', { textDim: 8, imageDim: 8, numClasses: 2, hiddenDim: 16, heads: 2, layers: 1, seed: 7 });
 * model.config.ffnDim; // 32
 * model.config.itcSource; // "fusion"
 * model.getWeight('single-stream/layer_0/attention/q/kernel').shape; // [16, 16]
 * ```
 */
export function createFusionModel(kind: FusionKind, options: FusionModelOptions): FusionModel {
  return new FusionModel(resolveConfig('createFusionModel', kind, options), options?.textLayers ?? null, options?.imageLayers ?? null);
}
