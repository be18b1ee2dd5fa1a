import * as tf from '@tensorflow/tfjs';
import { activeBackendHasHostMemory, registerHostKernel } from './backend-memory.js';

// Row selection along axis 0 and its adjoint as copies: tfjs-backend-wasm's gather indexes
// element by element (13 ms for 32 rows of [64, 128]), and tf.gather's gradient needs a kernel
// (UnsortedSegmentSum) the wasm backend lacks.

const GATHER_ROWS = 'MmauxGatherRows';
const SCATTER_ADD_ROWS = 'MmauxScatterAddRows';
const PLACE_ROWS = 'MmauxPlaceRows';
let registered = false;

const rowSize = (shape: readonly number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(GATHER_ROWS, (memory, { x }, attrs) => {
    const indices = attrs.indices as number[];
    const size = rowSize(x!.shape);
    const [out] = memory.allocate([[indices.length, ...x!.shape.slice(1)]]);
    const src = memory.view(x!);
    const dst = memory.view(out!);
    indices.forEach((row, i) => dst.set(src.subarray(row * size, (row + 1) * size), i * size));
    return [out!];
  });
  registerHostKernel(SCATTER_ADD_ROWS, (memory, { dy }, attrs) => {
    const indices = attrs.indices as number[];
    const rows = attrs.rows as number;
    const size = rowSize(dy!.shape);
    const [out] = memory.allocate([[rows, ...dy!.shape.slice(1)]]);
    const src = memory.view(dy!);
    const dst = memory.view(out!);
    dst.fill(0);
    indices.forEach((row, i) => {
      const at = row * size;
      const from = i * size;
      for (let k = 0; k < size; k++) dst[at + k]! += src[from + k]!;
    });
    return [out!];
  });
  registerHostKernel(PLACE_ROWS, (memory, { x }, attrs) => {
    const indices = attrs.indices as number[];
    const size = rowSize(x!.shape);
    const [out] = memory.allocate([[attrs.rows as number, ...x!.shape.slice(1)]]);
    const src = memory.view(x!);
    const dst = memory.view(out!);
    dst.fill(0);
    indices.forEach((row, i) => dst.set(src.subarray(i * size, (i + 1) * size), row * size));
    return [out!];
  });
}

const onHost = (x: tf.Tensor) => x.dtype === 'float32' && activeBackendHasHostMemory();

/** Rows `indices` of `x` (axis 0): `[indices.length, …]`. */
export function gatherRows<T extends tf.Tensor>(x: T, indices: ArrayLike<number>): T {
  if (!onHost(x)) return tf.gather(x, tf.tensor1d(Int32Array.from(indices), 'int32')) as T;
  register();
  return tf.engine().runKernel(GATHER_ROWS, { x }, { indices: Array.from(indices) }) as T;
}

/**
 * The adjoint of {@link gatherRows}: `out[indices[i]] += dy[i]`, `out` having `rows` rows (rows
 * never selected are 0; a row selected twice gets both).
 */
export function scatterAddRows<T extends tf.Tensor>(dy: T, indices: ArrayLike<number>, rows: number): T {
  const rest = dy.shape.slice(1);
  if (!onHost(dy)) {
    const m = indices.length;
    const oneHotT = new Float32Array(rows * m);
    for (let i = 0; i < m; i++) oneHotT[(indices[i] as number) * m + i] = 1;
    return tf.tidy(() => tf.reshape(tf.matMul(tf.tensor2d(oneHotT, [rows, m]), tf.reshape(dy, [m, -1]) as tf.Tensor2D), [rows, ...rest])) as T;
  }
  register();
  return tf.engine().runKernel(SCATTER_ADD_ROWS, { dy }, { indices: Array.from(indices), rows }) as T;
}

/**
 * {@link scatterAddRows} for distinct `indices`: `out[indices[i]] = x[i]`, other rows 0, as row
 * copies (no per-element adds). With distinct indices it is the adjoint of {@link gatherRows}.
 */
export function placeRows<T extends tf.Tensor>(x: T, indices: ArrayLike<number>, rows: number): T {
  if (!onHost(x)) return scatterAddRows(x, indices, rows);
  register();
  return tf.engine().runKernel(PLACE_ROWS, { x }, { indices: Array.from(indices), rows }) as T;
}
