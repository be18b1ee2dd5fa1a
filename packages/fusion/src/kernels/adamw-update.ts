import * as tf from '@tensorflow/tfjs';
import { activeBackendHasHostMemory, registerHostKernel } from './backend-memory.js';

/** The fused AdamW update as a tfjs kernel (wasm and cpu backends). */
export const ADAMW_UPDATE_KERNEL = 'MmauxAdamWUpdate';

/** One variable's part of an update. */
export interface AdamWSlot {
  param: tf.Tensor;
  gradient: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
  /** `1 − lr·λ` (1 when the variable is not decayed). */
  keep: number;
}

/** The scalars of one update. */
export interface AdamWScalars {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** `lr / (1 − β₁ᵗ)`. */
  stepSize: number;
  /** `1 − β₂ᵗ`. */
  correction2: number;
}

interface UpdateAttrs extends AdamWScalars {
  keeps: number[];
}

let registered = false;

function register(): void {
  if (registered) return;
  registered = true;
  registerHostKernel(ADAMW_UPDATE_KERNEL, (memory, inputs, attrs) => {
    const { beta1, beta2, epsilon, stepSize, correction2, keeps } = attrs as unknown as UpdateAttrs;
    const count = keeps.length;
    const outputs = memory.allocate(Array.from({ length: 3 * count }, (_, k) => inputs[`p${Math.floor(k / 3)}`]!.shape));
    const simd = memory.simd;
    if (simd !== null) {
      for (let i = 0; i < count; i++) {
        const [p, g, m, v] = ['p', 'g', 'm', 'v'].map((x) => simd.pointer(inputs[`${x}${i}`]!)) as [number, number, number, number];
        const [pOut, mOut, vOut] = [0, 1, 2].map((j) => simd.pointer(outputs[3 * i + j]!)) as [number, number, number];
        const n = inputs[`p${i}`]!.shape.reduce((a, b) => a * b, 1);
        simd.kernels.adamw(p, g, m, v, pOut, mOut, vOut, n, keeps[i]!, stepSize, beta1, beta2, 1 / correction2, epsilon);
      }
      return outputs;
    }
    const b1 = 1 - beta1;
    const b2 = 1 - beta2;
    const invC2 = 1 / correction2;
    for (let i = 0; i < count; i++) {
      // Views after every allocation: growing wasm's memory replaces its buffer.
      const p = memory.view(inputs[`p${i}`]!);
      const g = memory.view(inputs[`g${i}`]!);
      const m = memory.view(inputs[`m${i}`]!);
      const v = memory.view(inputs[`v${i}`]!);
      const pOut = memory.view(outputs[3 * i]!);
      const mOut = memory.view(outputs[3 * i + 1]!);
      const vOut = memory.view(outputs[3 * i + 2]!);
      const keep = keeps[i]!;
      for (let k = 0; k < p.length; k++) {
        const gk = g[k]!;
        const mk = beta1 * m[k]! + b1 * gk;
        const vk = beta2 * v[k]! + b2 * gk * gk;
        mOut[k] = mk;
        vOut[k] = vk;
        pOut[k] = p[k]! * keep - (stepSize * mk) / (Math.sqrt(vk * invC2) + epsilon);
      }
    }
    return outputs;
  });
}

/** The same update with tfjs ops, for backends without host memory (webgl, native TensorFlow). */
function updateWithOps(slots: readonly AdamWSlot[], s: AdamWScalars): tf.Tensor[] {
  return slots.flatMap(({ param, gradient, m, v, keep }) => {
    const mNew = tf.add(tf.mul(m, s.beta1), tf.mul(gradient, 1 - s.beta1));
    const vNew = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(gradient), 1 - s.beta2));
    const step = tf.div(tf.mul(mNew, s.stepSize), tf.add(tf.sqrt(tf.div(vNew, s.correction2)), s.epsilon));
    return [tf.sub(keep === 1 ? param : tf.mul(param, keep), step), mNew, vNew];
  });
}

/**
 * One AdamW update of many variables: per variable `[param', m', v']` (new tensors, in slot
 * order). On wasm and cpu it is a single kernel making one pass over each variable's memory
 * (PyTorch's formula in float64 arithmetic, rounded once to float32); elsewhere tfjs ops.
 */
export function adamwUpdate(slots: readonly AdamWSlot[], scalars: AdamWScalars): tf.Tensor[] {
  if (slots.length === 0) return [];
  if (!activeBackendHasHostMemory()) return tf.tidy(() => updateWithOps(slots, scalars));
  register();
  const inputs: tf.NamedTensorMap = {};
  slots.forEach((slot, i) => {
    inputs[`p${i}`] = slot.param;
    inputs[`g${i}`] = slot.gradient;
    inputs[`m${i}`] = slot.m;
    inputs[`v${i}`] = slot.v;
  });
  const attrs: UpdateAttrs = { ...scalars, keeps: slots.map((s) => s.keep) };
  return tf.engine().runKernel(ADAMW_UPDATE_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
