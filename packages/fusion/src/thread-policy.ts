import { type FusionKind, isTransformerKind } from './config.js';

/**
 * The wasm thread count that trains `kind` fastest, as measured on 2 cores (see the README):
 * 1 for the late-fusion and unimodal kinds, whose steps are a few hundred small kernels that a
 * second thread slows (every threaded kernel wakes it: a step 17 ms with 1 thread, 21–27 ms with
 * 2); `undefined` — {@link selectBackend}'s default, the machine's cores — for the transformer
 * kinds, whose large products a second thread speeds up ~1.9×.
 *
 * @param kind - the fusion kind to be trained
 * @returns a thread count, or `undefined` for the default
 *
 * @example
 * ```ts
 * preferredWasmThreads('concat'); // 1
 * preferredWasmThreads('single-stream') === undefined; // true
 * ```
 */
export function preferredWasmThreads(kind: FusionKind): number | undefined {
  return isTransformerKind(kind) ? undefined : 1;
}
