import * as tf from '@tensorflow/tfjs';
import { MmauxFusionError } from './errors.js';
import { type AdamWSlot, adamwUpdate } from './kernels/adamw-update.js';
import type { LearningRateSchedule } from './schedules.js';

/** `{ name, tensor }`, as tfjs optimizers take and return weights. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** Options of {@link AdamW}. */
export interface AdamWOptions {
  /** A fixed rate or a {@link LearningRateSchedule} of the step index. */
  learningRate: number | LearningRateSchedule;
  /** Decoupled weight decay λ. @defaultValue 2.5e-4 (the paper) */
  weightDecay?: number;
  /** @defaultValue 0.9 */
  beta1?: number;
  /** @defaultValue 0.999 */
  beta2?: number;
  /** @defaultValue 1e-8 (PyTorch's) */
  epsilon?: number;
  /**
   * Variables (by tfjs variable name) that get no weight decay. @defaultValue none: everything is
   * decayed, biases, norms and the logit scale included, as the paper's single parameter group
   */
  decayExclude?: (variableName: string) => boolean;
  /**
   * Variables that train at their own rate (PyTorch's parameter groups), e.g. a text encoder's
   * layers at 1e-5 beside the fusion layers at 1e-4 ({@link textLayerParamGroups}). The first
   * group that names a variable gives its rate; the others use `learningRate`. Weight decay,
   * betas and the step count are shared. @defaultValue none: one rate for every variable
   */
  paramGroups?: readonly AdamWParamGroup[];
}

/** A group of variables with their own learning rate (see {@link AdamWOptions.paramGroups}). */
export interface AdamWParamGroup {
  /** tfjs variable names (`variable.name`, not a model's stable weight names). */
  variables: readonly string[];
  /** A fixed rate or a {@link LearningRateSchedule} of the step index (0 freezes the group: no update, no decay). */
  learningRate: number | LearningRateSchedule;
}

interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

function check(name: string, v: unknown, lo: number, hi: number, openHi = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || (openHi ? v >= hi : v > hi)) {
    throw new MmauxFusionError('INVALID_OPTION', `AdamW: ${name} must be in [${lo}, ${hi}${openHi ? ')' : ']'}, got ${String(v)}.`);
  }
  return v;
}

/**
 * Adam with decoupled weight decay, exactly as PyTorch's `torch.optim.AdamW` (which the paper
 * uses; tfjs's Adam has no weight decay). For update t (1-based) with rate `lr = schedule(t − 1)`:
 *
 * 1. `θ ← θ·(1 − lr·λ)` (decoupled decay, applied before the Adam step)
 * 2. `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`
 * 3. `θ ← θ − lr · (m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + ε)`
 *
 * A variable without a gradient in a step is left untouched (no decay either), as in PyTorch.
 * Moments are kept per variable name. Use it like any tfjs optimizer (`minimize`,
 * `applyGradients`).
 *
 * @example
 * ```ts
 * const w = tf.variable(tf.tensor1d([1, -2]));
 * const opt = new AdamW({ learningRate: 0.1, weightDecay: 0.01 });
 * opt.applyGradients({ [w.name]: tf.tensor1d([0.5, 0.5]) });
 * w.arraySync(); // [0.899, -2.098]
 * opt.iterations; // 1
 * ```
 */
export class AdamW extends tf.Optimizer {
  /** @nocollapse */
  static get className(): string {
    return 'AdamW';
  }

  readonly weightDecay: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly schedule: LearningRateSchedule;
  private readonly fixedRate: number | null;
  private readonly decayExclude: (variableName: string) => boolean;
  private readonly groupOf = new Map<string, LearningRateSchedule>();
  private moments = new Map<string, Moments>();

  constructor(options: AdamWOptions) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new MmauxFusionError('INVALID_OPTION', 'AdamW: options { learningRate } are required.');
    }
    const lr = options.learningRate;
    if (typeof lr === 'function') {
      this.schedule = lr;
      this.fixedRate = null;
    } else {
      const rate = check('learningRate', lr, 0, Infinity);
      this.schedule = () => rate;
      this.fixedRate = rate;
    }
    this.weightDecay = check('weightDecay', options.weightDecay ?? 2.5e-4, 0, Infinity);
    this.beta1 = check('beta1', options.beta1 ?? 0.9, 0, 1, true);
    this.beta2 = check('beta2', options.beta2 ?? 0.999, 0, 1, true);
    this.epsilon = check('epsilon', options.epsilon ?? 1e-8, 0, Infinity);
    this.decayExclude = options.decayExclude ?? (() => false);
    const groups = options.paramGroups ?? [];
    if (!Array.isArray(groups)) throw new MmauxFusionError('INVALID_OPTION', `AdamW: paramGroups must be an array of { variables, learningRate }, got ${String(groups)}.`);
    groups.forEach((group: AdamWParamGroup, g) => {
      if (group === null || typeof group !== 'object' || !Array.isArray(group.variables)) {
        throw new MmauxFusionError('INVALID_OPTION', `AdamW: paramGroups[${g}] must be { variables: string[], learningRate }, got ${JSON.stringify(group)}.`);
      }
      const rate = group.learningRate;
      const schedule: LearningRateSchedule = typeof rate === 'function' ? rate : ((fixed) => () => fixed)(check(`paramGroups[${g}].learningRate`, rate, 0, Infinity));
      for (const name of group.variables) if (!this.groupOf.has(name)) this.groupOf.set(name, schedule);
    });
  }

  /** The rate the next update will use. */
  currentLearningRate(): number {
    return this.learningRateAt(this.iterations);
  }

  private learningRateAt(step: number, schedule: LearningRateSchedule = this.schedule): number {
    const lr = schedule(step);
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw new MmauxFusionError('INVALID_OPTION', `AdamW: the learning-rate schedule returned ${String(lr)} at step ${step}; it must return a finite number ≥ 0.`);
    }
    return lr;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const t = this.iterations + 1;
    const lr = this.learningRateAt(this.iterations);
    const registered = tf.engine().registeredVariables;
    // Slots by learning rate: one fused update per rate (a single one without paramGroups).
    const byRate = new Map<number, { slots: AdamWSlot[]; targets: Array<{ variable: tf.Variable; moments: Moments }> }>();
    const groupRates = new Map<LearningRateSchedule, number>();
    for (const [name, gradient] of entries) {
      if (gradient == null) continue;
      const variable = registered[name];
      if (variable === undefined) {
        throw new MmauxFusionError('INVALID_OPTION', `AdamW.applyGradients: no variable named "${name}" is registered (disposed?).`);
      }
      if (!tf.util.arraysEqual(gradient.shape, variable.shape)) {
        throw new MmauxFusionError('INVALID_SHAPE', `AdamW.applyGradients: the gradient of "${name}" has shape [${gradient.shape.join(', ')}] but the variable has [${variable.shape.join(', ')}].`);
      }
      let moments = this.moments.get(name);
      if (moments === undefined) {
        // tidy: a variable shares its initial tensor's storage, which would otherwise stay allocated after dispose().
        moments = tf.tidy(() => ({ m: tf.variable(tf.zerosLike(variable), false), v: tf.variable(tf.zerosLike(variable), false) }));
        this.moments.set(name, moments);
      }
      const group = this.groupOf.get(name);
      let rate = lr;
      if (group !== undefined) {
        if (!groupRates.has(group)) groupRates.set(group, this.learningRateAt(this.iterations, group));
        rate = groupRates.get(group)!;
      }
      const keep = this.decayExclude(name) ? 1 : 1 - rate * this.weightDecay;
      const batch = byRate.get(rate) ?? { slots: [], targets: [] };
      byRate.set(rate, batch);
      batch.slots.push({ param: variable, gradient, m: moments.m, v: moments.v, keep });
      batch.targets.push({ variable, moments });
    }
    for (const [rate, { slots, targets }] of byRate) {
      // One fused update of the rate's variables (a single kernel on wasm and cpu), then each
      // variable takes its new storage; assign() frees the old one.
      const updated = adamwUpdate(slots, {
        beta1: this.beta1,
        beta2: this.beta2,
        epsilon: this.epsilon,
        stepSize: rate / (1 - this.beta1 ** t),
        correction2: 1 - this.beta2 ** t,
      });
      targets.forEach(({ variable, moments }, i) => {
        variable.assign(updated[3 * i]!);
        moments.m.assign(updated[3 * i + 1]!);
        moments.v.assign(updated[3 * i + 2]!);
      });
      tf.dispose(updated);
    }
    this.incrementIterations();
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    for (const [name, { m, v }] of this.moments) out.push({ name: `${name}/m`, tensor: m }, { name: `${name}/v`, tensor: v });
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    this.dispose();
    const byName = new Map(rest.map((w) => [w.name, w.tensor]));
    for (const [key, tensor] of byName) {
      if (!key.endsWith('/m')) continue;
      const name = key.slice(0, -2);
      const v = byName.get(`${name}/v`);
      if (v === undefined) throw new MmauxFusionError('INVALID_OPTION', `AdamW.setWeights: "${key}" has no matching "${name}/v".`);
      this.moments.set(name, { m: tf.variable(tensor, false), v: tf.variable(v, false) });
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.fixedRate,
      weightDecay: this.weightDecay,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
    };
  }
}
