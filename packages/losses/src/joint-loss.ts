import * as tf from '@tensorflow/tfjs-core';
import { withGradient } from './custom-gradient.js';
import { MmauxLossError } from './errors.js';
import { assertFinite, formatValue, isTensor } from './validate.js';

/** The loss terms to combine; a term left out counts as switched off (its β is ignored). */
export interface JointLossParts {
  /** Main-task (class-weighted) cross-entropy. */
  ce: tf.Scalar;
  /** Image-text contrastive loss, e.g. {@link itcLoss}. */
  itc?: tf.Scalar;
  /** Image-text matching loss, e.g. {@link itmLoss}. */
  itm?: tf.Scalar;
}

/** Options of {@link jointLoss}. */
export interface JointLossOptions {
  /** Weight of ITC. @defaultValue 0.1 */
  betaItc?: number;
  /** Weight of ITM. @defaultValue 0.1 */
  betaItm?: number;
  /**
   * `'convex'`: `(1 − βitc − βitm)·ce + βitc·itc + βitm·itm`, as the paper's code (adding a task
   * also down-weights CE); each β in [0, 1] and their sum ≤ 1. `'additive'`:
   * `ce + βitc·itc + βitm·itm`; each β finite and ≥ 0. @defaultValue 'convex'
   */
  scheme?: 'convex' | 'additive';
  /**
   * Check each part for NaN/±Infinity first and throw `NON_FINITE` naming it (one small
   * read-back per part: a GPU sync). A training loop that checks its loss once per step itself
   * turns it off. @defaultValue true
   */
  checkFinite?: boolean;
}

/** Per-term weights {@link jointLoss} applies, after dropping absent terms. */
export interface JointLossWeights {
  ce: number;
  itc: number;
  itm: number;
}

/**
 * The weights {@link jointLoss} would apply, validated: useful to log next to the loss.
 *
 * @param present - which auxiliary terms are in use
 * @param options - as {@link jointLoss}
 * @returns `{ ce, itc, itm }` weights (0 for an absent term)
 *
 * @example
 * ```ts
 * const w = jointLossWeights({ itc: true, itm: false }, { betaItc: 0.2 });
 * [w.ce, w.itc, w.itm]; // [0.8, 0.2, 0]
 * ```
 *
 * @throws MmauxLossError `INVALID_OPTION` naming the β and the scheme's rule
 */
export function jointLossWeights(
  present: { itc: boolean; itm: boolean },
  options: JointLossOptions = {},
): JointLossWeights {
  const fn = 'jointLoss';
  const { betaItc = 0.1, betaItm = 0.1, scheme = 'convex' } = options;
  if (scheme !== 'convex' && scheme !== 'additive') {
    throw new MmauxLossError('INVALID_OPTION', `${fn}: scheme must be 'convex' or 'additive', got ${formatValue(scheme)}.`);
  }
  for (const [name, beta] of [['betaItc', betaItc], ['betaItm', betaItm]] as const) {
    const ok = typeof beta === 'number' && Number.isFinite(beta) && beta >= 0 && (scheme === 'additive' || beta <= 1);
    if (!ok) {
      const range = scheme === 'convex' ? 'in [0, 1]' : 'finite and ≥ 0';
      throw new MmauxLossError('INVALID_OPTION', `${fn}: ${name} = ${String(beta)} must be ${range} for the ${scheme} scheme.`);
    }
  }
  const itc = present.itc ? betaItc : 0;
  const itm = present.itm ? betaItm : 0;
  if (scheme === 'convex' && itc + itm > 1 + 1e-12) {
    throw new MmauxLossError(
      'INVALID_OPTION',
      `${fn}: betaItc + betaItm = ${itc} + ${itm} = ${itc + itm} exceeds 1, which would give CE a negative weight in the convex scheme; lower them or use scheme 'additive'.`,
    );
  }
  return { ce: scheme === 'convex' ? 1 - itc - itm : 1, itc, itm };
}

/**
 * The joint training objective of the paper: main-task CE plus the weighted auxiliary losses.
 * Defaults reproduce the authors' code: convex weights with β = 0.1 each, so +C+M is
 * `0.8·ce + 0.1·itc + 0.1·itm`, +C alone `0.9·ce + 0.1·itc`.
 *
 * @param parts - `{ ce, itc?, itm? }` scalar losses
 * @param options - `betaItc` (0.1), `betaItm` (0.1), `scheme` ('convex'), `checkFinite` (true)
 * @returns the weighted sum, differentiable with respect to each part
 * @throws MmauxLossError `INVALID_OPTION` (β out of range, sum past 1 in 'convex'),
 *   `INVALID_SHAPE` (a part is not a scalar), `NON_FINITE`
 *
 * @example
 * ```ts
 * const total = jointLoss({ ce: tf.scalar(1.2), itc: tf.scalar(2.0), itm: tf.scalar(0.7) });
 * total.dataSync()[0]; // ≈ 1.23
 * ```
 */
export function jointLoss(parts: JointLossParts, options: JointLossOptions = {}): tf.Scalar {
  const fn = 'jointLoss';
  const names = ['ce', 'itc', 'itm'] as const;
  for (const name of names) {
    const part = parts[name];
    if (part === undefined && name !== 'ce') continue;
    if (!isTensor(part) || part.rank !== 0) {
      throw new MmauxLossError('INVALID_SHAPE', `${fn}: parts.${name} must be a scalar tensor, got ${isTensor(part) ? `shape [${part.shape.join(', ')}]` : String(part)}.`);
    }
    if (options.checkFinite ?? true) assertFinite(fn, `parts.${name}`, part, 'a loss term is not finite; check the model outputs.');
  }
  const weights = jointLossWeights({ itc: parts.itc !== undefined, itm: parts.itm !== undefined }, options);
  const terms = names.flatMap((name) => {
    const part = parts[name];
    return part === undefined ? [] : [{ part, weight: weights[name] }];
  });
  return tf.tidy(() =>
    withGradient<tf.Scalar>(
      terms.map((t) => t.part),
      (inputs) => ({
        value: inputs.reduce<tf.Tensor>((acc, t, k) => tf.add(acc, tf.mul(t, terms[k]!.weight)), tf.scalar(0)),
        gradFunc: (dy) => terms.map((term) => tf.mul(dy, term.weight)),
      }),
    ),
  );
}
