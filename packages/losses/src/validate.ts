import * as tf from '@tensorflow/tfjs-core';
import { MmauxLossError } from './errors.js';

/** Labels as callers hold them: a plain array, a typed array, or an int tensor of shape [N]. */
export type LabelInput = ArrayLike<number> | tf.Tensor1D;

/** Ids that mark posts which are really the same (duplicates, one user's repeated image). */
export type GroupIds = ArrayLike<string | number>;

export function isTensor(x: unknown): x is tf.Tensor {
  return typeof x === 'object' && x !== null && 'shape' in x && 'dtype' in x && 'dataSync' in x;
}

/** A value as it should appear in a message: strings quoted, everything else as String(). */
export function formatValue(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function describeShape(x: unknown): string {
  if (isTensor(x)) return `[${x.shape.join(', ')}]`;
  if (x === undefined || x === null) return String(x);
  return `a ${typeof x}`;
}

export function assertTensor(fn: string, name: string, x: unknown, rank: number): asserts x is tf.Tensor {
  if (!isTensor(x)) {
    throw new MmauxLossError('INVALID_SHAPE', `${fn}: ${name} must be a rank-${rank} tensor, got ${describeShape(x)}.`);
  }
  if (x.rank !== rank) {
    throw new MmauxLossError(
      'INVALID_SHAPE',
      `${fn}: ${name} must have rank ${rank}, got shape ${describeShape(x)}.`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new MmauxLossError('INVALID_SHAPE', `${fn}: ${name} must be a float32 tensor, got dtype ${x.dtype}.`);
  }
}

export function assertBatch(fn: string, name: string, n: number): void {
  if (n === 0) {
    throw new MmauxLossError('EMPTY_BATCH', `${fn}: ${name} has N = 0 rows; a loss needs at least one example.`);
  }
}

function indexPath(flat: number, shape: readonly number[]): string {
  const parts: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d] ?? 1;
    parts.unshift(flat % size);
    flat = Math.floor(flat / size);
  }
  return parts.map((p) => `[${p}]`).join('');
}

/**
 * Throws NON_FINITE naming the first NaN/±Infinity entry of `x`. On wasm and cpu one scan of
 * the values; elsewhere one boolean read in the common case, the full tensor read only to
 * locate a bad entry.
 */
export function assertFinite(fn: string, name: string, x: tf.Tensor, hint: string): void {
  // On host-memory backends one scan of the values costs less than two kernels and a sync.
  const backend = tf.getBackend();
  const onHost = backend === 'wasm' || backend === 'cpu';
  if (!onHost) {
    const allFinite = tf.tidy(() => tf.all(tf.isFinite(x)));
    const ok = allFinite.dataSync()[0] === 1;
    allFinite.dispose();
    if (ok) return;
  }
  const data = x.dataSync();
  if (onHost && allFiniteValues(data)) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) {
      throw new MmauxLossError('NON_FINITE', `${fn}: ${name}${indexPath(i, x.shape)} is ${v}; ${hint}`);
    }
  }
}

/** x − x is 0 for every finite x and NaN for NaN and ±Infinity, so one sum tells. */
function allFiniteValues(data: tf.TypedArray): boolean {
  let acc = 0;
  for (let i = 0; i < data.length; i++) acc += (data[i] as number) - (data[i] as number);
  return acc === 0;
}

export function assertFiniteNumber(fn: string, name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: ${name} must be a finite number, got ${String(v)}.`);
  }
}

/** Reads labels into an Int32Array after checking length, integrality and range. */
export function readLabels(fn: string, labels: LabelInput, n: number, numClasses: number): Int32Array {
  let values: ArrayLike<number>;
  if (isTensor(labels)) {
    if (labels.rank !== 1) {
      throw new MmauxLossError('INVALID_SHAPE', `${fn}: labels must have shape [N], got ${describeShape(labels)}.`);
    }
    values = labels.dataSync();
  } else if (labels !== null && typeof labels === 'object' && typeof labels.length === 'number') {
    values = labels;
  } else {
    throw new MmauxLossError('INVALID_LABEL', `${fn}: labels must be an array or an int tensor, got ${describeShape(labels)}.`);
  }
  if (values.length !== n) {
    throw new MmauxLossError(
      'INVALID_SHAPE',
      `${fn}: got ${values.length} labels for ${n} rows of logits; pass one label per row.`,
    );
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new MmauxLossError(
        'INVALID_LABEL',
        `${fn}: labels[${i}] = ${String(v)} is not a class index in [0, ${numClasses - 1}].`,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Checks `groupIds` has one id per post and returns it as a plain array. */
export function readGroupIds(fn: string, groupIds: GroupIds, n: number): Array<string | number> {
  if (groupIds.length !== n) {
    throw new MmauxLossError(
      'INVALID_SHAPE',
      `${fn}: groupIds has ${groupIds.length} entries for a batch of ${n}; pass one id per post.`,
    );
  }
  return Array.from(groupIds);
}

/** `[N, N]` 0/1 matrix, 1 where posts i and j share a group id (always 1 on the diagonal). */
export function groupMask(ids: ReadonlyArray<string | number>): tf.Tensor2D {
  const n = ids.length;
  const mask = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) mask[i * n + j] = i === j || ids[i] === ids[j] ? 1 : 0;
  }
  return tf.tensor2d(mask, [n, n]);
}
