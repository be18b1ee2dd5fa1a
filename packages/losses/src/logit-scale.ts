import * as tf from '@tensorflow/tfjs-core';
import { clampScalar } from './clamp.js';
import { DEFAULT_LOGIT_SCALE, MAX_LOGIT_SCALE } from './constants.js';
import { MmauxLossError } from './errors.js';

/** Options for {@link LogitScale}. */
export interface LogitScaleOptions {
  /** Initial log inverse temperature. @defaultValue `ln(1/0.07)` ≈ 2.6593 */
  initial?: number;
  /** Lower clamp. @defaultValue 0 (inverse temperature ≥ 1) */
  min?: number;
  /** Upper clamp. @defaultValue `ln 100` (inverse temperature ≤ 100) */
  max?: number;
  /** Whether optimizers update it. @defaultValue true */
  trainable?: boolean;
  /** Variable name, unique per process. @defaultValue chosen by tfjs */
  name?: string;
}

/**
 * A learnable scalar `s`, the natural log of the inverse temperature of a contrastive loss
 * (logits are `exp(s) · cos`), stored as a tfjs variable.
 *
 * Where the clamp acts: {@link LogitScale.value} returns `clip(s, min, max)` in the forward pass
 * and leaves the variable itself untouched. Inside the range the gradient reaches the variable
 * unchanged; outside it the gradient is 0, so a variable that has left the range is only moved
 * back by weight decay or by {@link LogitScale.clampInPlace}, which writes the clamped value into
 * the variable (what OpenCLIP does after each optimizer step).
 *
 * @example
 * ```ts
 * const scale = new LogitScale({ initial: 5 });  // above the ln 100 clamp
 * scale.read(); // 4.6052
 * const text = tf.tensor2d([[1, 0], [0, 1]]);
 * const image = tf.tensor2d([[1, 0.2], [0.1, 1]]);
 * const { grads } = tf.variableGrads(() => itcLoss(text, image, { logitScale: scale }), [scale.variable]);
 * grads[scale.variable.name].dataSync()[0]; // 0
 * scale.clampInPlace();
 * scale.variable.dataSync()[0]; // 4.6052
 * scale.dispose();
 * ```
 */
export class LogitScale {
  /** The raw, unclamped variable; give it to an optimizer through `varList` if needed. */
  readonly variable: tf.Variable<tf.Rank.R0>;
  readonly min: number;
  readonly max: number;

  constructor(options: LogitScaleOptions = {}) {
    const { initial = DEFAULT_LOGIT_SCALE, min = 0, max = MAX_LOGIT_SCALE, trainable = true, name } = options;
    for (const [key, v] of [['initial', initial], ['min', min], ['max', max]] as const) {
      if (typeof v !== 'number' || Number.isNaN(v)) {
        throw new MmauxLossError('INVALID_OPTION', `LogitScale: ${key} must be a number, got ${String(v)}.`);
      }
    }
    if (min > max) {
      throw new MmauxLossError('INVALID_OPTION', `LogitScale: min (${min}) is above max (${max}).`);
    }
    if (!Number.isFinite(initial)) {
      throw new MmauxLossError('INVALID_OPTION', `LogitScale: initial must be finite, got ${initial}.`);
    }
    this.min = min;
    this.max = max;
    // The tidy releases the initial scalar; the variable keeps its own reference to the data.
    this.variable = tf.tidy(() => tf.variable(tf.scalar(initial), trainable, name));
  }

  /** The clamped log scale as a new scalar tensor (differentiable with respect to the variable). */
  value(): tf.Scalar {
    return clampScalar(this.variable, this.min, this.max);
  }

  /** The clamped log scale as a number. */
  read(): number {
    const v = this.variable.dataSync()[0] as number;
    return Math.min(this.max, Math.max(this.min, v));
  }

  /** Writes the clamped value into the variable. Call after an optimizer step if you want it. */
  clampInPlace(): void {
    tf.tidy(() => this.variable.assign(tf.clipByValue(this.variable, this.min, this.max)));
  }

  dispose(): void {
    this.variable.dispose();
  }
}

/** A log inverse temperature: a number, a scalar tensor or variable, or a {@link LogitScale}. */
export type LogitScaleInput = number | tf.Scalar | LogitScale;

/** Resolves a {@link LogitScaleInput} to a scalar tensor (caller runs inside `tf.tidy`). */
export function logitScaleTensor(fn: string, input: LogitScaleInput): tf.Scalar {
  if (input instanceof LogitScale) return input.value();
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) {
      throw new MmauxLossError('NON_FINITE', `${fn}: logitScale is ${input}; pass a finite log inverse temperature.`);
    }
    return tf.scalar(input);
  }
  if (input === null || typeof input !== 'object' || !('rank' in input) || input.rank !== 0) {
    throw new MmauxLossError(
      'INVALID_OPTION',
      `${fn}: logitScale must be a number, a scalar tensor or a LogitScale, got ${input === null ? 'null' : typeof input === 'object' && 'shape' in input ? `a tensor of shape [${(input as tf.Tensor).shape.join(', ')}]` : typeof input}.`,
    );
  }
  return input;
}
