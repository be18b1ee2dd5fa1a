import { MmauxFusionError } from './errors.js';

/** A learning rate per optimizer step: `schedule(k)` is the rate of update k (0-based). */
export type LearningRateSchedule = (step: number) => number;

function positive(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new MmauxFusionError('INVALID_OPTION', `${fn}: ${name} must be a finite number ≥ 0, got ${String(v)}.`);
  }
  return v;
}

/**
 * The same learning rate at every step (the paper: no scheduler).
 *
 * @param learningRate - the rate, ≥ 0
 * @returns a {@link LearningRateSchedule}
 * @throws MmauxFusionError `INVALID_OPTION`
 *
 * @example
 * ```ts
 * const lr = constantSchedule(1e-5);
 * [lr(0), lr(1000)]; // [1e-5, 1e-5]
 * ```
 */
export function constantSchedule(learningRate: number): LearningRateSchedule {
  const rate = positive('constantSchedule', 'learningRate', learningRate);
  return () => rate;
}

/** Options of {@link linearWarmupDecay}. */
export interface LinearWarmupDecayOptions {
  /** Peak learning rate, reached at the end of the warm-up. */
  learningRate: number;
  /** Steps of linear warm-up from 0. @defaultValue 0 */
  warmupSteps?: number;
  /** Step at which the rate has decayed linearly to 0 (it stays 0 after). */
  totalSteps: number;
}

/**
 * Linear warm-up then linear decay, as Hugging Face's `get_linear_schedule_with_warmup`:
 * `lr·k/warmup` for `k < warmup`, then `lr·(total − k)/(total − warmup)`, never below 0. Step 0
 * has rate 0 when there is a warm-up.
 *
 * @param options - `learningRate`, `warmupSteps` (0), `totalSteps`
 * @returns a {@link LearningRateSchedule}
 * @throws MmauxFusionError `INVALID_OPTION` (negative values, warm-up longer than the run)
 *
 * @example
 * ```ts
 * const lr = linearWarmupDecay({ learningRate: 1e-3, warmupSteps: 10, totalSteps: 110 });
 * [lr(0), lr(5), lr(10), lr(60), lr(110), lr(200)]; // [0, 5e-4, 1e-3, 5e-4, 0, 0]
 * ```
 */
export function linearWarmupDecay(options: LinearWarmupDecayOptions): LearningRateSchedule {
  const fn = 'linearWarmupDecay';
  const rate = positive(fn, 'learningRate', options?.learningRate);
  const warmup = positive(fn, 'warmupSteps', options.warmupSteps ?? 0);
  const total = positive(fn, 'totalSteps', options.totalSteps);
  if (!Number.isInteger(warmup) || !Number.isInteger(total) || total < 1 || warmup > total) {
    throw new MmauxFusionError(
      'INVALID_OPTION',
      `${fn}: warmupSteps (${warmup}) and totalSteps (${total}) must be integers with 0 ≤ warmupSteps ≤ totalSteps and totalSteps ≥ 1.`,
    );
  }
  return (step: number) => {
    if (step < warmup) return (rate * step) / Math.max(1, warmup);
    return Math.max(0, (rate * (total - step)) / Math.max(1, total - warmup));
  };
}
