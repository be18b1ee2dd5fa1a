import * as tf from '@tensorflow/tfjs';

/** A forward computation together with its analytic gradient. */
export type ForwardWithGradient = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/**
 * Runs `forward` on `inputs` as one differentiable step with its own gradient (`tf.customGrad`).
 * Used where the gradient tfjs would record is slow on wasm (transposed matrix products), where
 * a fused analytic gradient is cheaper (layer norm, GELU), and to control what is saved for the
 * backward pass (on wasm every saved tensor is a copy).
 */
export function withGradient<T extends tf.Tensor>(inputs: tf.Tensor[], forward: ForwardWithGradient): T {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, gradFunc } = forward(args.slice(0, -1) as tf.Tensor[], save);
    // tfjs calls a custom gradient outside any tidy, so its temporaries would live until the
    // whole backward pass ends (hundreds of MB at paper sizes); a tidy frees them at once.
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) };
  });
  return f(...inputs) as T;
}
