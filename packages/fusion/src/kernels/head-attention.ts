import * as tf from '@tensorflow/tfjs';
import { activeBackendHasSimd, registerHostKernel } from './backend-memory.js';

// Multi-head attention's products on heads that stay where the projections put them: a head is
// a column range of a `[R, S, width]` tensor, so no transpose splits or merges heads.

const HEAD_DOTS = 'MmauxHeadDots';
const HEAD_MIX = 'MmauxHeadMix';

/** One product summed into a column range of {@link headMix}'s output. */
export interface MixPart {
  /** `[R, heads, A, B]` weights, or `[R, heads, B, A]` with `transposed`. */
  weights: tf.Tensor4D;
  /** `[R, B, *]` rows to mix; head h reads columns `offset + h·d …`. */
  rows: tf.Tensor3D;
  offset: number;
  /** Where head h's result goes: columns `outOffset + h·d …` of the output. */
  outOffset: number;
  transposed: boolean;
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(
    HEAD_DOTS,
    (memory, { x, y, bias }, attrs) => {
      const { heads, d, xOffset, yOffset, scale } = attrs as { heads: number; d: number; xOffset: number; yOffset: number; scale: number };
      const [rows, sx, xWidth] = x!.shape as [number, number, number];
      const [, sy, yWidth] = y!.shape as [number, number, number];
      const [out] = memory.allocate([[rows, heads, sx, sy]]);
      const { kernels, pointer } = memory.simd!;
      kernels.headDots(pointer(x!), pointer(y!), bias === undefined ? 0 : pointer(bias), pointer(out!), rows, heads, sx, sy, d, xWidth, xOffset, yWidth, yOffset, scale);
      return [out!];
    },
    ['wasm'],
  );
  registerHostKernel(
    HEAD_MIX,
    (memory, inputs, attrs) => {
      const { heads, d, shape, parts } = attrs as { heads: number; d: number; shape: [number, number, number]; parts: Array<{ offset: number; outOffset: number; transposed: boolean }> };
      const [rows, a, width] = shape;
      const [out] = memory.allocate([shape]);
      const { kernels, pointer } = memory.simd!;
      parts.forEach((part, k) => {
        const w = inputs[`w${k}`]!;
        const y = inputs[`y${k}`]!;
        const [, b, yWidth] = y.shape as [number, number, number];
        kernels.headMix(pointer(w), pointer(y), pointer(out!), rows, heads, a, b, d, yWidth, part.offset, width, part.outOffset, part.transposed ? 1 : 0);
      });
      return [out!];
    },
    ['wasm'],
  );
}

/** Whether the fused head products run here for heads of width `d`. */
export function headKernelsAvailable(d: number): boolean {
  return d % 16 === 0 && activeBackendHasSimd();
}

/**
 * `[R, heads, Sx, Sy]`: `scale · x_h·y_hᵀ (+ bias)` per post and head, head h of x in columns
 * `xOffset + h·d …` of `x` `[R, Sx, *]`, of y likewise; `bias` `[R, Sy]` is added per key.
 * Only where {@link headKernelsAvailable}.
 */
export function headDots(x: tf.Tensor3D, xOffset: number, y: tf.Tensor3D, yOffset: number, heads: number, d: number, scale: number, bias: tf.Tensor2D | null): tf.Tensor4D {
  register();
  return tf.engine().runKernel(HEAD_DOTS, bias === null ? { x, y } : { x, y, bias }, { heads, d, xOffset, yOffset, scale }) as tf.Tensor4D;
}

/**
 * `[R, A, width]` whose head-h column range of each part is `W_h · rows_h` (every column of the
 * output must be covered by exactly one part). Only where {@link headKernelsAvailable}.
 */
export function headMix(shape: [number, number, number], heads: number, d: number, parts: readonly MixPart[]): tf.Tensor3D {
  register();
  const inputs: tf.NamedTensorMap = {};
  parts.forEach((p, k) => {
    inputs[`w${k}`] = p.weights;
    inputs[`y${k}`] = p.rows;
  });
  const attrs = { heads, d, shape, parts: parts.map(({ offset, outOffset, transposed }) => ({ offset, outOffset, transposed })) };
  return tf.engine().runKernel(HEAD_MIX, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
}
