import { type FusionKind, isTransformerKind } from './config.js';
import type { TrainableImageLayers } from './image-layers/weight-names.js';
import type { TrainableTextLayers } from './text-layers/weight-names.js';

/** What besides the kind decides {@link preferredWasmThreads}. */
export interface WasmThreadPolicyOptions {
  /**
   * The text encoder layers the model fine-tunes (`--finetune-text-layers`): k or `'all'`.
   * @defaultValue none (frozen text features; the same as 0)
   */
  textLayers?: TrainableTextLayers;
  /**
   * The image encoder layers the model fine-tunes (`--finetune-image-layers`): k.
   * @defaultValue none (frozen image features; the same as 0)
   */
  imageLayers?: TrainableImageLayers;
}

/**
 * The wasm thread count that trains `kind` fastest, as measured on 2 cores (see the README):
 * 1 for the late-fusion and unimodal kinds on frozen features, whose steps are a few hundred
 * small kernels that a second thread slows (every threaded kernel wakes it: a step 17 ms with 1
 * thread, 21–27 ms with 2); `undefined` — {@link selectBackend}'s default, the machine's cores —
 * for the transformer kinds and for any kind that fine-tunes text or image encoder layers (k ≥ 1
 * or `'all'`), whose steps are dominated by large products (`[N·T, 768]·[768, 3072]` at BERT-base)
 * that XNNPACK splits across threads.
 *
 * @param kind - the fusion kind to be trained
 * @param options - `textLayers`, `imageLayers`: the fine-tuned encoder layers, if any
 * @returns a thread count, or `undefined` for the default
 *
 * @example
 * ```ts
 * preferredWasmThreads('concat'); // 1
 * preferredWasmThreads('concat', { textLayers: 0 }); // 1
 * preferredWasmThreads('concat', { textLayers: 2 }) === undefined; // true
 * preferredWasmThreads('gmu', { imageLayers: 1 }) === undefined; // true
 * preferredWasmThreads('single-stream') === undefined; // true
 * ```
 */
export function preferredWasmThreads(kind: FusionKind, options: WasmThreadPolicyOptions = {}): number | undefined {
  const fineTunes = (layers: number | 'all' | undefined) => layers === 'all' || (typeof layers === 'number' && layers > 0);
  return isTransformerKind(kind) || fineTunes(options.textLayers) || fineTunes(options.imageLayers) ? undefined : 1;
}
