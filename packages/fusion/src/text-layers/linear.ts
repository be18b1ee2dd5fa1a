import * as tf from '@tensorflow/tfjs';
import { withGradient } from '../custom-gradient.js';
import { gatherRows } from '../kernels/gather-rows.js';
import { matMulBias } from '../kernels/matmul.js';
import { columnSums } from '../kernels/reductions.js';
import { transpose2d } from '../kernels/transpose.js';
import { transposedTimes } from '../products.js';

const onWasm = () => tf.getBackend() === 'wasm';

/**
 * `Wᵀ` for a product: on wasm the SIMD transpose (tfjs-backend-wasm multiplies by a transposed
 * operand ~10× slower than by a contiguous one, and an explicit transpose costs about as much as
 * copying W once).
 */
export function transposeForProduct(w: tf.Tensor2D): tf.Tensor2D {
  return onWasm() ? transpose2d(w) : tf.transpose(w);
}

/**
 * `a · w` where `w` is a weight variable. On wasm the product runs on a temporary copy of `w`:
 * XNNPACK keeps the packed form of a right operand for as long as that tensor lives, so a product
 * with the variable itself would hold a packed copy of every weight from the backward pass until
 * the optimizer replaces it (measured: +1 × the weights' size of wasm heap at the peak of a step),
 * while the packing has to be redone after each update anyway.
 */
export function timesWeight(a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  if (!onWasm()) return tf.matMul(a, w);
  const copy = w.clone() as tf.Tensor2D;
  const out = tf.matMul(a, copy) as tf.Tensor2D;
  copy.dispose();
  return out;
}

/**
 * `x` cut into consecutive row blocks of `sizes` rows: on wasm as row copies (its Slice kernel,
 * behind tf.split, walks element by element: 14 ms for QKV's [2304, 768] gradient).
 */
function splitRows(x: tf.Tensor, sizes: readonly number[]): tf.Tensor[] {
  if (!onWasm()) return tf.split(x, sizes as number[], 0);
  let start = 0;
  return sizes.map((size) => {
    const rows = Int32Array.from({ length: size }, (_, i) => start + i);
    start += size;
    return gatherRows(x, rows);
  });
}

/** The two variables of `y = x·Wᵀ + b` (PyTorch layout: `weight` `[out, in]`). */
export interface LinearParts {
  weight: tf.Tensor2D | tf.Variable;
  bias: tf.Tensor1D | tf.Variable;
}

/**
 * PyTorch's `nn.Linear`, `y = x·Wᵀ + b`, with W in PyTorch's `[out, in]` layout (the layout of a
 * checkpoint, so the variables are the state dict itself), over the last axis of `x`, as one
 * differentiable op: `dx = dy·W` (a contiguous product), `dW = dyᵀ·x`, `db = Σ dy`. Several
 * `parts` are one product with their outputs side by side (BERT's query, key and value: one
 * `[N, T, 3H]` result): they are joined inside the op, so nothing records (and, on wasm, copies)
 * the join for the backward pass. Weights that are variables are read back from them in the
 * backward pass rather than saved. With `constantInput` no gradient flows into `x` (the frozen
 * hidden states a top-k stack starts from), saving a third of the backward cost.
 */
export function linear(x: tf.Tensor, parts: readonly LinearParts[], constantInput = false): tf.Tensor {
  const inDim = parts[0]!.weight.shape[1] as number;
  const outDims = parts.map((p) => p.weight.shape[0] as number);
  const outDim = outDims.reduce((a, b) => a + b, 0);
  const outShape = [...x.shape.slice(0, -1), outDim];
  const allVariables = parts.every((p) => p.weight instanceof tf.Variable);
  const params = parts.flatMap((p) => [p.weight, p.bias] as tf.Tensor[]);
  const join = (ts: tf.Tensor[]) => (ts.length === 1 ? ts[0]! : tf.concat(ts, 0));
  return withGradient<tf.Tensor>(constantInput ? params : [x, ...params], (inputs, save) => {
    const input = constantInput ? x : (inputs[0] as tf.Tensor);
    const ps = constantInput ? inputs : inputs.slice(1);
    const weights = ps.filter((_, i) => i % 2 === 0) as tf.Tensor2D[];
    const w = join(weights) as tf.Tensor2D;
    const b = join(ps.filter((_, i) => i % 2 === 1)) as tf.Tensor1D;
    const flat = tf.reshape(input, [-1, inDim]) as tf.Tensor2D;
    save(allVariables ? [flat] : [flat, w]);
    const wT = transposeForProduct(w);
    const value = tf.reshape(matMulBias(flat, wT, b), outShape);
    wT.dispose();
    return {
      value,
      gradFunc: (dy, saved) => {
        const sx = saved[0] as tf.Tensor2D;
        const g = tf.reshape(dy, [-1, outDim]) as tf.Tensor2D;
        const grads: tf.Tensor[] = [];
        if (!constantInput) {
          const sw = (allVariables ? join(parts.map((p) => p.weight)) : saved[1]) as tf.Tensor2D;
          grads.push(tf.reshape(sw instanceof tf.Variable ? timesWeight(g, sw) : tf.matMul(g, sw), x.shape));
        }
        const dw = transposedTimes(g, sx);
        const db = columnSums(g);
        const dws = parts.length === 1 ? [dw] : splitRows(dw, outDims);
        const dbs = parts.length === 1 ? [db] : splitRows(db, outDims);
        dws.forEach((d, i) => grads.push(d, dbs[i]!));
        return grads;
      },
    };
  });
}
