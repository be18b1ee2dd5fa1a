import * as tf from '@tensorflow/tfjs-core';

/** A forward computation together with its analytic gradient. */
export type ForwardWithGradient = (
  inputs: tf.Tensor[],
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/**
 * Runs `forward` on `inputs` as one differentiable step with its own gradient (`tf.customGrad`).
 * Ops inside are not recorded on the tape, so no gradient needs to be registered for them —
 * which is what lets these losses train on tfjs-core with a bare backend. Tensors the gradient
 * needs must be passed as inputs or saved: anything else is gone when the caller's tidy ends.
 */
export function withGradient<T extends tf.Tensor>(inputs: tf.Tensor[], forward: ForwardWithGradient): T {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, gradFunc } = forward(args.slice(0, -1) as tf.Tensor[], save);
    // The backward pass's temporaries are freed as soon as its gradients exist, not when the
    // caller's whole gradient computation ends, so peak memory stays near one step's worth.
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) };
  });
  return f(...inputs) as T;
}
