import type * as tf from '@tensorflow/tfjs';
import type { CheckedBatch, FusionInput } from './features.js';
import type { ForwardContext } from './layers.js';

/** Per-post tensors of one modality, posts along axis 0. */
export type Rows = Record<string, tf.Tensor>;

/** What the caller of {@link FusionCore.encode} will need besides the fused rows. */
export interface CoreNeeds {
  /** The ITC sources of `itcSource: 'fusion'` (`textSummary`, `imageSummary`). */
  summaries: boolean;
  /** Texts will be re-paired with other images (the ITM pass): keep the text side separable. */
  itm: boolean;
}

/** Each modality's share of the work, computed once per batch. */
export interface Encoded {
  /** Text-side rows; the ITM pass reorders them (row i becomes post partner[i]'s). */
  text: Rows;
  /** Image-side rows, shared by every text paired with them. */
  image: Rows;
  /** `[N, hiddenDim]` ITC source of the text, when a late-fusion kind computes it here. */
  textSummary?: tf.Tensor2D;
  /** `[N, hiddenDim]` ITC source of the image, likewise. */
  imageSummary?: tf.Tensor2D;
}

/** What {@link FusionCore.fuse} returns for R text rows. */
export interface FuseResult {
  /** `[R, hiddenDim]` fused representation (input of the classifier and the ITM head). */
  fused: tf.Tensor2D;
  /** `[R, hiddenDim]` text output of a transformer kind (its ITC source). */
  textSummary?: tf.Tensor2D;
  /** `[R, hiddenDim]` image output of a transformer kind (its ITC source). */
  imageSummary?: tf.Tensor2D;
}

/** What a kind reads of its inputs, so a caller can build only that (see `FusionModel.reads`). */
export interface InputReads {
  /** `'all'` tokens, only the `'first'` (`<s>`/CLS), or `'none'` (pooled only). */
  textTokens: 'all' | 'first' | 'none';
  /** `'all'` patches, only the `'first'` (ViT's CLS), or `'none'` (pooled only). */
  imagePatches: 'all' | 'first' | 'none';
}

/**
 * The fusion layers of one kind, in two stages: `encode` does each modality's work alone once
 * per batch, `fuse` combines R text rows with image rows (text row r with image row r mod N, or
 * the row `textBatch.imageOrder` names). The matched pass and the ITM pass go through one `fuse`
 * of N + S rows (S: the pairs whose text is swapped; a kept pair's ITM row is its matched row), so
 * every weight is multiplied once per step.
 */
export interface FusionCore {
  readonly reads: InputReads;
  /**
   * Whether `fuse` pairs rows by `textBatch.imageOrder`, so that the ITM pass fuses only the
   * swapped pairs. A kind whose fuse costs next to nothing per row (attention: one row kernel
   * over the patches it reads in place) leaves it false and gets every pair as row r mod N.
   */
  readonly fusesSubsets: boolean;
  encode(input: FusionInput, batch: CheckedBatch, ctx: ForwardContext, needs: CoreNeeds): Encoded;
  fuse(text: Rows, image: Rows, textBatch: CheckedBatch, ctx: ForwardContext, needs: CoreNeeds): FuseResult;
}
