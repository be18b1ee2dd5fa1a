import type { Tensor } from '@tensorflow/tfjs-core';
import { MmauxEncoderError } from '../errors.js';

/**
 * @internal A tensor's values as float32 (int and bool outputs converted), read asynchronously.
 * `what` names the node for the error a string tensor gets (`createImageEncoder: the node "x" of "tfjs:…"`).
 */
export async function tensorFloats(t: Tensor, what: string): Promise<Float32Array> {
  if (t.dtype === 'string') {
    throw new MmauxEncoderError('UNSUPPORTED_MODEL', `${what} gives strings; features must be numbers, so pick a numeric node with #<node>.`);
  }
  const data = await t.data();
  if (data instanceof Float32Array) return data;
  return Float32Array.from(data as ArrayLike<number>);
}

/** @internal Disposes every tensor of a list (a fetched output may repeat an input). */
export function disposeAll(tensors: Iterable<Tensor | undefined>): void {
  const seen = new Set<Tensor>();
  for (const t of tensors) {
    if (t && !seen.has(t)) {
      seen.add(t);
      t.dispose();
    }
  }
}
